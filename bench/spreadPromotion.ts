/**
 * How V8 (Node 20's V8 11.3) collects short-lived objects made by object literals of different shapes: each
 * shape builds 20 million objects that die at once, in a process of its own under `--trace-gc-nvp`, which
 * reports each scavenge and the bytes it promoted to the old generation. A literal that starts with a spread
 * (`{ ...base, at }`, `{ ...base, ...more }`) has every object it makes promoted, however short its life;
 * the daemon avoids the shape on the request path (promoted bytes per request at 500 req/s all on went 9.1 →
 * 3.7 KB, bench/gcUnderLoad.ts), because the old generation that fills is what the mark-compacts behind the
 * P99 collect.
 *
 * Node's AbortController is measured beside them: it is promoted the same way.
 *
 * Run: `node --import tsx bench/spreadPromotion.ts` (~1 min)
 */
import { execFileSync } from 'node:child_process';
import { table } from './stats.js';

// Each shape as source, run in a plain node child (no loader thread whose GCs would mix into the trace).
const SETUP = "const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'openai/gpt-4o-mini' }; const more = { stream: true };";
const SHAPES: Record<string, string> = {
  '{ ...base, at }': '(i) => ({ ...base, at: i }).at',
  '{ ...base, ...more }': '(i) => ({ ...base, ...more }).created + i',
  '{ at, ...base }': '(i) => ({ at: i, ...base }).at',
  '{ ...base }': '(i) => ({ ...base }).created + i',
  'Object.assign({}, base, { at })': '(i) => Object.assign({}, base, { at: i }).at',
  '{ id: base.id, …, at } (every field named)': '(i) => ({ id: base.id, object: base.object, created: base.created, model: base.model, at: i }).at',
  // Node's own AbortController: promoted the same way (why the pipeline's client signal is gateway/cancel.ts).
  'new AbortController()': '(i) => (new AbortController().signal.aborted ? 0 : i)',
};

const rows = Object.entries(SHAPES).map(([name, make]) => {
  const code = `${SETUP} const make = ${make}; let sink = 0; for (let i = 0; i < 20_000_000; i++) sink += make(i); if (sink === 42) console.log('');`;
  const trace = execFileSync(process.execPath, ['--trace-gc-nvp', '-e', code], { encoding: 'utf8', maxBuffer: 1 << 28 });
  let scavenges = 0;
  let promoted = 0;
  for (const line of trace.split('\n')) {
    if (!/ gc=s /.test(line)) continue;
    scavenges++;
    promoted += Number(/ promoted=(\d+) /.exec(line)?.[1] ?? 0);
  }
  return [name, String(scavenges), (promoted / 2 ** 20).toFixed(1)];
});
console.log(`Node ${process.version} (V8 ${process.versions.v8}): 20,000,000 objects per shape, each dead at once`);
console.log(table(['what is made', 'scavenges', 'promoted MB'], rows));
