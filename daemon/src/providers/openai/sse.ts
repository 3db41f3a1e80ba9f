/**
 * Server-sent events from an upstream's byte stream: the `data` of each event (multi-line data joined by \n),
 * per the SSE spec; comments and other fields (event:, id:, retry:) are not used by chat completions.
 *
 * Each piece of the stream is searched once: the text of a line that spans pieces is kept as a list and joined
 * when its line break arrives. (Searching the joined remainder again at every piece took time quadratic in a
 * line's length: one 4 MB event in 16 KB pieces, 330–390 ms, now ~10; `node --import tsx bench/sseData.ts`.)
 */
/** The longest line kept (a chat completion chunk is a few hundred bytes): past it the stream fails. */
const MAX_LINE_CHARS = 16 * 1024 * 1024;

export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let data: string[] = [];
  /** The text of the current line from earlier pieces (none had its line break). */
  let partial: string[] = [];
  let partialChars = 0;
  /** The last piece ended with \r: a \n opening the next one belongs to that line break. */
  let afterCR = false;
  for await (const bytes of body) {
    const text = decoder.decode(bytes, { stream: true });
    let start = 0;
    if (afterCR && text.length > 0) {
      afterCR = false;
      if (text.charCodeAt(0) === 10) start = 1;
    }
    let nl = text.indexOf('\n', start);
    let cr = text.indexOf('\r', start);
    for (;;) {
      if (nl !== -1 && nl < start) nl = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
      const end = nl === -1 ? cr : cr === -1 ? nl : Math.min(nl, cr);
      if (end === -1) break;
      let line = text.slice(start, end);
      if (partial.length) [line, partial, partialChars] = [partial.join('') + line, [], 0];
      start = end + 1;
      if (end === cr) {
        if (start === text.length) afterCR = true;
        else if (text.charCodeAt(start) === 10) start++;
      }
      if (line === '') {
        if (data.length) yield data.join('\n');
        data = [];
      } else if (line.startsWith('data:')) data.push(dataOf(line));
    }
    if (start < text.length) {
      partial.push(start === 0 ? text : text.slice(start));
      partialChars += text.length - start;
      // An upstream that never ends a line would otherwise grow this without bound.
      if (partialChars > MAX_LINE_CHARS) throw new Error(`The upstream stream sent a line of over ${MAX_LINE_CHARS} characters.`);
    }
  }
  // The stream ended: bytes of an unfinished character (one replacement character, never a line break), a last
  // line without a line break, and an event without the blank line after it are kept.
  const rest = partial.join('') + decoder.decode();
  if (rest.startsWith('data:')) data.push(dataOf(rest));
  if (data.length) yield data.join('\n');
}

function dataOf(line: string): string {
  return line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
}
