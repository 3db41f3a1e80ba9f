/**
 * Memory over a soak (issue 8): the all-on daemon (bench/perf.ts ALL_ON_YAML) gets N non-streaming requests
 * over 50 keep-alive connections, and at checkpoints prints RSS (from /proc) and the V8 heap (from /metrics).
 *
 *   node --import tsx bench/soakMemory.ts 50000 [--no-cache] [--cli dist/other/cli.js] [--node-arg=--max-semi-space-size=16]
 *   node --experimental-websocket --import tsx bench/soakMemory.ts 50000 --gc
 *
 * --gc starts the daemon with the inspector on a loopback port (a debug-only hook: no endpoint in the daemon)
 * and forces a full GC before each checkpoint, so "heap used" is what is retained, not garbage waiting.
 */
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectInspector, startDaemon } from './daemonProcess.js';
import { openPool, send, type Target } from './perf/load.js';
import { startUpstreamProcess, UPSTREAM_KEY } from './perf/upstreamProcess.js';
import { ALL_ON_NO_CACHE_YAML, ALL_ON_YAML } from './perf.js';

const args = process.argv.slice(2);
const total = Number(args.find((a) => /^\d+$/.test(a)) ?? 50000);
const forceGc = args.includes('--gc');
const cliIndex = args.indexOf('--cli');
const cli = cliIndex >= 0 ? args[cliIndex + 1] : undefined;
const nodeArgs = args.filter((a) => a.startsWith('--node-arg=')).map((a) => a.slice('--node-arg='.length));
if (forceGc && typeof WebSocket === 'undefined') throw new Error('--gc needs a WebSocket: run node with --experimental-websocket');

const yaml = args.includes('--no-cache') ? ALL_ON_NO_CACHE_YAML : ALL_ON_YAML;
const upstream = await startUpstreamProcess({ delayMs: 0, chunkDelayMs: 0 });
const dir = mkdtempSync(join(tmpdir(), 'sk-'));
writeFileSync(join(dir, 'c.yaml'), yaml);
const d = await startDaemon({
  env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.url, SWITCHBOARD_CONFIG: join(dir, 'c.yaml') },
  nodeArgs: [...nodeArgs, ...(forceGc ? ['--inspect=127.0.0.1:0'] : [])],
  ...(cli && { cli }),
});
const inspector = forceGc ? await connectInspector(d) : undefined;
const res = await fetch(`${d.url}/switchboard/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${d.masterKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ user: 'bench', team: 'bench' }) });
const key = ((await res.json()) as { secret: string }).secret;
const t: Target = { label: 'x', origin: d.url, path: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, model: 'openai/gpt-4o-mini' };
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d.child.pid}/status`, 'utf8'))![1]) / 1024;
const metrics = async () => (await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${d.masterKey}` } })).text();
const metric = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576;

const mb = (n: number) => n.toFixed(0).padStart(4);
console.log(`${cli ?? 'dist/daemon/cli.js'} ${args.join(' ')}`);
console.log(`    idle: RSS ${mb(rss())} MB`);
const pool = openPool(t, 50);
let next = 0;
let errors = 0;
const started = performance.now();
for (const checkpoint of [5000, 10000, 20000, 30000, 40000, 50000, 75000, 100000, 150000, 200000].filter((c) => c <= total)) {
  const from = next;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 50 }, async () => {
    while (next < checkpoint) {
      next++;
      await send(pool, t, false).catch(() => errors++);
    }
  }));
  const rps = (checkpoint - from) / ((performance.now() - t0) / 1000);
  if (inspector) await inspector.send('HeapProfiler.collectGarbage');
  const m = await metrics();
  console.log(`${String(checkpoint).padStart(8)}: RSS ${mb(rss())} MB, heap used ${mb(metric(m, 'nodejs_heap_size_used_bytes'))} MB, heap total ${mb(metric(m, 'nodejs_heap_size_total_bytes'))} MB, external ${mb(metric(m, 'nodejs_external_memory_bytes'))} MB, ${rps.toFixed(0)} req/s${errors ? `, ${errors} errors` : ''}`);
}
console.log(`${next} requests in ${((performance.now() - started) / 1000).toFixed(0)} s`);
await pool.close();
await d.stop();
await upstream.stop();
process.exit(0); // the inspector socket, if any, would keep the loop alive
