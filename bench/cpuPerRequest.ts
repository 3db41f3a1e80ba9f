/**
 * CPU time per request of the gateway process, one configuration at a time: a quick check (~40 s) of where
 * the daemon's cost is, beside the bare Node proxy (bench/perf/nodeProxy.ts) as the floor. `npm run
 * bench:perf` has the same measurement for all on / minimum / Portkey in rounds; this one adds "all on without
 * the response cache". CPU time (user + system, from /proc) hardly depends on what else the machine is doing.
 *
 * Run: `node --import tsx bench/cpuPerRequest.ts [--stream]` (needs `npm run build`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_ON_NO_CACHE_YAML, ALL_ON_YAML, cpuMs, MINIMUM_YAML, startSwitchboard, switchboardTarget, waitCacheReady } from './perf.js';
import { closedLoop, type Target } from './perf/load.js';
import { startNodeProxy } from './perf/nodeProxy.js';
import { startUpstreamProcess, UPSTREAM_KEY } from './perf/upstreamProcess.js';
import { table } from './stats.js';

const stream = process.argv.includes('--stream');
const upstream = await startUpstreamProcess({ delayMs: 0, chunkDelayMs: 0 });
const rows: string[][] = [];
async function measure(label: string, pid: number, t: Target): Promise<void> {
  await closedLoop(t, 50, 1500, stream);
  const [g0, u0] = [cpuMs(pid), cpuMs(upstream.child.pid!)];
  const r = await closedLoop(t, 50, 4000, stream);
  const n = r.samples.length;
  rows.push([label, ((1000 * (cpuMs(pid) - g0)) / n).toFixed(0), ((1000 * (cpuMs(upstream.child.pid!) - u0)) / n).toFixed(0), (n / r.seconds).toFixed(0), String(r.errors)]);
}
const direct: Target = { label: 'direct', origin: new URL(upstream.url).origin, path: '/v1/chat/completions', headers: { authorization: `Bearer ${UPSTREAM_KEY}` }, model: 'gpt-4o-mini' };
try {
  if (!stream) {
    const proxy = await startNodeProxy(upstream.url, UPSTREAM_KEY);
    await measure('bare node proxy', proxy.child.pid!, { ...direct, origin: proxy.url });
    await proxy.stop();
  }
  const configs: [string, string][] = [['minimum', MINIMUM_YAML], ['all on, no cache', ALL_ON_NO_CACHE_YAML], ['all on', ALL_ON_YAML]];
  const dir = mkdtempSync(join(tmpdir(), 'sb-cpu-'));
  for (const [label, yaml] of configs) {
    const d = await startSwitchboard(upstream, dir, label.replace(/\W+/g, '-'), yaml);
    try {
      const t = await switchboardTarget(d, label !== 'minimum');
      // The first start in a new data folder converts the cache's word vectors (~2 s of CPU): not per request.
      if (yaml.includes('cache:')) await waitCacheReady(d);
      await measure(label, d.child.pid!, t);
    } finally {
      await d.stop();
    }
  }
} finally {
  await upstream.stop();
}
console.log(table([`CPU per ${stream ? 'streamed ' : ''}request, 50 connections`, 'gateway µs', 'upstream µs', 'req/s', 'errors'], rows));
