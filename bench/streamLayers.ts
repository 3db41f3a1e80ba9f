/**
 * What watching a stream costs per event: stages that each wrapped the served events in an async generator
 * (how the cache, the limits and the request log watched a stream before) against `observe`, which adds them
 * all to one pass. Events of a 67-event stream (a 64-token answer), hot, in one process.
 *
 * Run: `node --import tsx bench/streamLayers.ts`
 */
import { observe } from '../daemon/src/gateway/pipeline.js';
import { table } from './stats.js';

const EVENTS = 67;

async function* source(): AsyncGenerator<{ type: string; i: number }> {
  for (let i = 0; i < EVENTS; i++) yield { type: 'text', i };
}

/** A stage's watcher as an async generator, as the stages had them: look at each event, pass it on, end in `finally`. */
async function* generatorLayer<T>(events: AsyncIterable<T>, seen: { n: number }): AsyncGenerator<T> {
  try {
    for await (const e of events) {
      seen.n++;
      yield e;
    }
  } finally {
    seen.n++;
  }
}

async function drain(layers: number, how: 'generators' | 'observe'): Promise<number> {
  const seen = { n: 0 };
  let events: AsyncIterable<{ type: string; i: number }> = source();
  for (let l = 0; l < layers; l++) {
    events = how === 'generators' ? generatorLayer(events, seen) : observe(events, { event: () => void seen.n++, end: () => void seen.n++ });
  }
  for await (const _ of events);
  return seen.n;
}

async function perStreamUs(layers: number, how: 'generators' | 'observe'): Promise<number> {
  for (let i = 0; i < 2000; i++) await drain(layers, how);
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const started = performance.now();
    for (let i = 0; i < 2000; i++) await drain(layers, how);
    rounds.push(((performance.now() - started) * 1000) / 2000);
  }
  return rounds.sort((a, b) => a - b)[2]!;
}

const rows: string[][] = [];
for (const layers of [0, 1, 4]) {
  const g = await perStreamUs(layers, 'generators');
  const o = await perStreamUs(layers, 'observe');
  rows.push([String(layers), g.toFixed(1), o.toFixed(1), ((g - o) / EVENTS).toFixed(3)]);
}
console.log(table([`watchers of a ${EVENTS}-event stream`, 'generators µs', 'observe µs', 'saved µs/event'], rows));
