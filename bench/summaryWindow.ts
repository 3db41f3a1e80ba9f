/**
 * How long the daemon takes to summarise a full day, and how long it holds its event loop meanwhile:
 * `GET /switchboard/v1/summary?window=24h`, which the dashboard polls every 2 s while it shows that window, over
 * the 200,000 requests the window keeps. In process, the store itself, medians of 5. Also the longest single `add` while the window fills (the ring
 * doubles, 4,096 → … → 200,000 slots, inside a request's bookkeeping), with random ids and with a client's
 * zero-padded counter as ids.
 *
 * Run: `node --import tsx bench/summaryWindow.ts [--requests N (200000)]`
 */
import { createHash } from 'node:crypto';
import { SummaryWindowStore } from '../daemon/src/observability/summaryWindow.js';

const i = process.argv.indexOf('--requests');
const n = i >= 0 ? Number(process.argv[i + 1]) : 200_000;
const now = Date.now();
let seed = 1;
const r = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

/** Fills a window with n requests whose ids `idOf` makes; returns it and its longest single `add`. */
function fill(idOf: (k: number) => string): { store: SummaryWindowStore; longest: { ms: number; at: number } } {
  const store = new SummaryWindowStore(n, () => now);
  let longest = { ms: 0, at: 0 };
  for (let k = 0; k < n; k++) {
    const started = performance.now();
    store.add({
      id: idOf(k),
      t: now - 86_000_000 + (k * 86_000_000) / n,
      route: `route-${k % 5}`,
      target: `openai/model-${k % 3}`,
      error: k % 50 === 0,
      latencyMs: r() * 10,
      ...(k % 2 ? { ttftMs: r() * 5 } : {}),
      inputTokens: 10,
      outputTokens: 11,
      cachedTokens: 0,
      cost: 0.00001,
      cache: k % 3 ? 'miss' : 'hit',
    });
    const ms = performance.now() - started;
    if (ms > longest.ms) longest = { ms, at: k };
  }
  return { store, longest };
}

const report = (what: string, l: { ms: number; at: number }) => console.log(`longest add while filling, ${what}: ${l.ms.toFixed(1)} ms (request ${l.at.toLocaleString('en')})`);
// A client's own x-request-id may be 32 hex digits sharing a prefix (a zero-padded counter): hostile to a hash
// of the first digits only.
report('ids as a zero-padded hex counter', fill((k) => k.toString(16).padStart(32, '0')).longest);
// Like the daemon's own ids: 32 random-looking hex digits.
const { store, longest } = fill((k) => createHash('md5').update(String(k)).digest('hex'));
report("random-looking ids (the daemon's own)", longest);
/** The longest time the event loop went without a turn while `work` ran (a setImmediate ticker beside it). */
async function longestBlock<T>(work: () => Promise<T>): Promise<{ ms: number; longest: number }> {
  let last = performance.now();
  let longest = 0;
  let ticking = true;
  const tick = () => {
    const t = performance.now();
    longest = Math.max(longest, t - last);
    last = t;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const started = performance.now();
  last = started;
  await work();
  const ms = performance.now() - started;
  longest = Math.max(longest, performance.now() - last);
  ticking = false;
  return { ms, longest };
}
const runs: { ms: number; longest: number }[] = [];
for (let k = 0; k < 6; k++) {
  const run = await longestBlock(() => store.summarize('24h'));
  if (k > 0) runs.push(run); // the first call also compiles
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[]) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;
console.log(`summarize('24h') over ${n.toLocaleString('en')} requests: answered in ${range(runs.map((r) => r.ms))}; event loop held at most ${range(runs.map((r) => r.longest))}`);
