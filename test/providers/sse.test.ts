/**
 * The OpenAI stream's SSE reader against the whole-text reading of the same bytes, however they are cut into
 * pieces (line breaks of every kind split across pieces, multi-byte characters split across chunks), and on a
 * long event that arrives in many pieces.
 */
import assert from 'node:assert/strict';
import { sseData } from '../../daemon/src/providers/openai/sse.js';

/** The events of a whole text, straight from the spec: lines split on \r\n, \r or \n; a blank line ends one. */
function reference(text: string): string[] {
  const events: string[] = [];
  let data: string[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  const last = lines.pop() as string; // after the last line break: an unterminated line
  for (const line of lines) {
    if (line === '') {
      if (data.length) events.push(data.join('\n'));
      data = [];
    } else if (line.startsWith('data:')) data.push(line.slice(line.charCodeAt(5) === 32 ? 6 : 5));
  }
  if (last.startsWith('data:')) data.push(last.slice(last.charCodeAt(5) === 32 ? 6 : 5));
  if (data.length) events.push(data.join('\n'));
  return events;
}

async function read(chunks: Uint8Array[]): Promise<string[]> {
  const out: string[] = [];
  for await (const d of sseData((async function* () {
    yield* chunks;
  })())) out.push(d);
  return out;
}

describe('providers/openai SSE reader', () => {
  it('reads what the whole text holds, however the bytes are cut (2,000 random streams)', async () => {
    let seed = 3;
    const r = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const parts = ['data: ', 'data:', 'data: {"a":1}', 'x', 'é', '漢', '😀', '\n', '\r', '\r\n', '\n\n', '\r\n\r\n', ': comment', 'event: x', 'id: 1', ' '];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: 1 + Math.floor(r() * 30) }, () => parts[Math.floor(r() * parts.length)]).join('');
      const bytes = Buffer.from(text);
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + Math.floor(r() * 8);
        chunks.push(bytes.subarray(at, at + n));
        at += n;
      }
      assert.deepEqual(await read(chunks), reference(text), JSON.stringify(text));
    }
  });

  it('reads a 4 MB event that arrives in 16 KB pieces, and many events in one piece', async function () {
    // Searching the remainder again at every piece was quadratic: 387 ms for this event, 40 MB would take ~40 s.
    this.timeout(5_000);
    const big = `data: ${'x'.repeat(4_000_000)}\n\n`;
    const bytes = Buffer.from(big);
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 16_384) pieces.push(bytes.subarray(at, at + 16_384));
    assert.deepEqual((await read(pieces)).map((e) => e.length), [4_000_000]);
    const many = Array.from({ length: 5000 }, (_, i) => `data: {"i":${i}}\r\n\r\n`).join('');
    const events = await read([Buffer.from(many)]);
    assert.equal(events.length, 5000);
    assert.equal(events[4999], '{"i":4999}');
  });
  it('fails a stream whose line never ends instead of holding it all (past 16 M characters)', async () => {
    const piece = Buffer.from('x'.repeat(1 << 20));
    await assert.rejects(read(Array.from({ length: 20 }, () => piece)), /line of over 16777216 characters/);
  });
});
