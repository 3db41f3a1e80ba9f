/**
 * The OpenAI stream's SSE reader (providers/openai/sse.ts) on deliveries a benchmark's one-event chunks never
 * make: a burst of 5,000 events in one chunk, and one 4 MB event in 16 KB pieces (an upstream that sends one huge
 * event: reading it must stay linear). In process.
 *
 * Run: `node --import tsx bench/sseData.ts`
 */
import { sseData } from '../daemon/src/providers/openai/sse.js';
import { table } from './stats.js';

const event = (i: number) => `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"tok${i}"}}]}\n\n`;
async function time(chunks: string[]): Promise<[number, number]> {
  const started = performance.now();
  let n = 0;
  for await (const _ of sseData((async function* () {
    for (const c of chunks) yield Buffer.from(c);
  })())) n++;
  return [n, performance.now() - started];
}
const long = `data: ${'x'.repeat(4_000_000)}\n\n`;
const pieces: string[] = [];
for (let i = 0; i < long.length; i += 16_384) pieces.push(long.slice(i, i + 16_384));
const rows: string[][] = [];
for (const [what, chunks] of [
  ['50,000 events, one per chunk', Array.from({ length: 50_000 }, (_, i) => event(i))],
  ['5,000 events in one chunk', [Array.from({ length: 5000 }, (_, i) => event(i)).join('')]],
  ['one 4 MB event in 16 KB pieces', pieces],
] as const) {
  const runs: [number, number][] = [];
  for (let k = 0; k < 5; k++) runs.push(await time([...chunks]));
  rows.push([what, String(runs[0]![0]), Math.min(...runs.map((r) => r[1])).toFixed(1)]);
}
console.log(table(['delivery', 'events', 'ms (best of 5)'], rows));
