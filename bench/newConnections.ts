/**
 * New connections to a saturated gateway: N clients open a connection each at once and send requests back to
 * back for a few seconds (a closed loop that does not open its connections first), against the bare Node
 * proxy and the all-on daemon. Prints, per target, the latency of each connection's first request against
 * that of the others, and how many connections the kernel held completed but not yet accepted one second in
 * (the listen socket's queue, from `ss`). Node 20's libuv (1.46) accepts one connection per event-loop
 * iteration (libuv PR #3696), and a saturated loop's iteration is long, so connections opened during a
 * saturation wait in that queue while those already open are served.
 *
 * Run: `node --import tsx bench/newConnections.ts [--connections 500] [--seconds 2] [--rounds 3]`
 * (needs `npm run build`; the queue figure needs `ss`, from iproute2).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'undici';
import { send, type Target } from './perf/load.js';
import { startNodeProxy } from './perf/nodeProxy.js';
import { startUpstreamProcess, UPSTREAM_KEY } from './perf/upstreamProcess.js';
import { ALL_ON_YAML, startSwitchboard, switchboardTarget, waitCacheReady } from './perf.js';
import { percentile, table } from './stats.js';

const args = process.argv.slice(2);
const num = (flag: string, fallback: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
const connections = num('--connections', 500);
const seconds = num('--seconds', 2);
const rounds = num('--rounds', 3);

/** Connections completed by the kernel but not yet accepted by the process listening on `port`. */
function acceptQueue(port: string): number | undefined {
  try {
    const line = execFileSync('ss', ['-ltnH', `( sport = :${port} )`], { encoding: 'utf8' }).trim().split('\n')[0];
    return line ? Number(line.trim().split(/\s+/)[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function measure(t: Target): Promise<string[]> {
  const first: number[] = [];
  const rest: number[] = [];
  const queued: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const clients = Array.from({ length: connections }, () => new Client(t.origin, { pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 60_000 }));
    const until = performance.now() + seconds * 1000;
    const probe = setTimeout(() => {
      const q = acceptQueue(new URL(t.origin).port);
      if (q !== undefined) queued.push(q);
    }, 1000);
    await Promise.all(
      clients.map(async (c) => {
        for (let k = 0; performance.now() < until; k++) {
          const s = await send(c, t, false);
          (k === 0 ? first : rest).push(s.totalMs);
        }
      }),
    );
    clearTimeout(probe);
    await Promise.all(clients.map((c) => c.close()));
  }
  const slow = first.filter((ms) => ms > 1000).length;
  return [
    t.label,
    percentile(first, 0.5).toFixed(0),
    percentile(first, 0.99).toFixed(0),
    `${slow} of ${first.length}`,
    percentile(rest, 0.5).toFixed(0),
    percentile(rest, 0.99).toFixed(0),
    queued.length ? queued.join(' / ') : '—',
  ];
}

const upstream = await startUpstreamProcess({ delayMs: 0, chunkDelayMs: 0 });
const rows: string[][] = [];
try {
  const proxy = await startNodeProxy(upstream.url, UPSTREAM_KEY);
  try {
    rows.push(await measure({ label: 'bare node proxy', origin: proxy.url, path: '/v1/chat/completions', headers: {}, model: 'gpt-4o-mini' }));
  } finally {
    await proxy.stop();
  }
  const d = await startSwitchboard(upstream, mkdtempSync(join(tmpdir(), 'sb-newconn-')), 'all-on', ALL_ON_YAML);
  try {
    const t = await switchboardTarget(d, true);
    await waitCacheReady(d);
    rows.push(await measure({ ...t, label: 'switchboard (all on)' }));
  } finally {
    await d.stop();
  }
} finally {
  await upstream.stop();
}
console.log(`${connections} new connections at once, requests back to back for ${seconds} s, ${rounds} rounds (ms)`);
console.log(table(['target', 'first request P50', 'P99', 'first requests > 1 s', 'later requests P50', 'P99', 'not yet accepted at 1 s'], rows));
