/**
 * The fake "model": deterministic text from the request (echo of the last user turn), word chunking,
 * word-count "tokens", stop sequences and max-token truncation. Shared by both fakes so that the same
 * prompt yields the same reply through either door.
 */

/** Splits text into stream deltas: the first word, then each following word with its leading whitespace. */
export function splitWords(text: string): string[] {
  return text.split(/(?<=\S)(?=\s)/).filter((s) => s.length > 0);
}

/** Counts whitespace-separated words: the fakes' notion of a token. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter((s) => s.length > 0).length;
}

/** Text of a message `content`: a string, or the concatenated text of its parts/blocks (tool results too). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') parts.push(part);
    else if (part && typeof part === 'object') {
      const p = part as { text?: unknown; content?: unknown; type?: unknown };
      if (typeof p.text === 'string') parts.push(p.text);
      else if (p.type === 'tool_result') parts.push(contentText(p.content));
    }
  }
  return parts.join(' ');
}

/** The default reply: `echo: <text of the last user (or tool) message>`. */
export function echoReply(messages: unknown): string {
  if (!Array.isArray(messages)) return 'echo:';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown } | undefined;
    if (m && (m.role === 'user' || m.role === 'tool')) return `echo: ${contentText(m.content)}`.trimEnd();
  }
  return 'echo:';
}

/** Word count of every message (and the system prompt), as the fake's input token count. */
export function countInputWords(messages: unknown, system?: unknown): number {
  let n = countWords(contentText(system));
  if (Array.isArray(messages)) {
    for (const m of messages) n += countWords(contentText((m as { content?: unknown } | undefined)?.content));
  }
  return n;
}

export interface ShapedReply {
  chunks: string[];
  /** Why the text ended early, if it did. */
  cut?: { reason: 'stop'; sequence: string } | { reason: 'length' };
}

/**
 * Applies stop sequences (text ends before the earliest match) and then a max-token limit (first N word
 * chunks) to the reply chunks.
 */
export function shapeReply(chunks: string[], stops: string[], maxTokens: number | undefined): ShapedReply {
  let result: ShapedReply = { chunks };
  const text = chunks.join('');
  let best: { at: number; sequence: string } | undefined;
  for (const s of stops) {
    if (!s) continue;
    const at = text.indexOf(s);
    if (at >= 0 && (!best || at < best.at)) best = { at, sequence: s };
  }
  if (best) {
    result = { chunks: rechunk(chunks, best.at), cut: { reason: 'stop', sequence: best.sequence } };
  }
  if (maxTokens !== undefined && maxTokens >= 0 && result.chunks.length > maxTokens) {
    result = { chunks: result.chunks.slice(0, maxTokens), cut: { reason: 'length' } };
  }
  return result;
}

/** Keeps the chunks' boundaries while cutting their concatenation at `length` characters. */
function rechunk(chunks: string[], length: number): string[] {
  const out: string[] = [];
  let used = 0;
  for (const c of chunks) {
    if (used >= length) break;
    const piece = c.slice(0, length - used);
    if (piece) out.push(piece);
    used += c.length;
  }
  return out;
}

/** Normalises OpenAI's `stop` (string | string[] | null) or Anthropic's `stop_sequences`. */
export function stopList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  return [];
}

/** Splits a tool call's JSON arguments into a few fragments, as providers stream them. */
export function splitArguments(json: string, pieces = 3): string[] {
  if (json.length <= 1) return [json];
  const size = Math.max(1, Math.ceil(json.length / pieces));
  const out: string[] = [];
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size));
  return out;
}

/** JSON text of a scripted tool call's arguments (a string is taken verbatim). */
export function argumentsJson(args: unknown): string {
  if (args === undefined) return '{}';
  return typeof args === 'string' ? args : JSON.stringify(args);
}
