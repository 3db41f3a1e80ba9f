/**
 * Where a streamed request's time to first token goes, inside the gateway: sequential streams (the fake
 * upstream waits 1 ms before each delta, so the gateway idles between chunks as it does in production) through
 * the bare Node proxy, the minimum daemon and the all-on daemon, each started with a preload
 * (bench/perf/socketTrace.mjs) that timestamps the HTTP request event and every chunk its sockets read or write.
 * Prints, per gateway, the median µs from the request event to: the upstream request written, the upstream's
 * headers read, its first content delta read, and that delta written to the client — and the client's TTFT;
 * and the median relay of the later chunks (an upstream read to the next write to the client).
 *
 * Run: `node --import tsx bench/streamTimeline.ts [--requests 600] [--variant NAME=CLI]…` (needs `npm run build`);
 * each --variant adds an all-on daemon run from another build's cli.js (an A/B in the same minutes).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openPool, send, type Target } from './perf/load.js';
import { startNodeProxy } from './perf/nodeProxy.js';
import { startUpstreamProcess, UPSTREAM_KEY } from './perf/upstreamProcess.js';
import { ALL_ON_YAML, MINIMUM_YAML, startSwitchboard, switchboardTarget, waitCacheReady } from './perf.js';
import { percentile, table } from './stats.js';

const PRELOAD = resolve(import.meta.dirname, 'perf', 'socketTrace.mjs');
const args = process.argv.slice(2);
const requests = args.includes('--requests') ? Number(args[args.indexOf('--requests') + 1]) : 600;
const CONTENT = /"content":\s*"[^"]/;
const variants = args.flatMap((a, i) => (a === '--variant' ? [args[i + 1]!.split('=') as [string, string]] : []));

interface Traced {
  label: string;
  target: Target;
  pid: number;
  serverPort: number;
  out: string;
  stop(): Promise<void>;
}

/**
 * The median timeline of the last `n` streamed requests in a trace (µs from the request event), and the median
 * relay of their later chunks: from an upstream chunk read after the first content to the gateway's next write to
 * the client.
 */
function timeline(file: string, serverPort: number, n: number): { steps: number[]; laterRelay: number } {
  const steps: number[][] = [[], [], [], []];
  const later: number[][] = [];
  let at = -1;
  let step = 0;
  let readAt = -1;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [ts, kind, port, text = ''] = line.split('\t');
    const t = Number(ts);
    const upstream = Number(port) !== serverPort;
    if (kind === 'request' && text.includes('/v1/chat')) {
      [at, step, readAt] = [t, 0, -1];
      later.push([]);
    }
    if (step === 4) {
      // After the first content went out: pair each upstream read with the next write to the client.
      if (kind === 'in' && upstream && readAt < 0) readAt = t;
      else if (kind === 'out' && !upstream && readAt >= 0) {
        later.at(-1)!.push(t - readAt);
        readAt = -1;
      }
    }
    if (at < 0) continue;
    const next =
      step === 0 ? kind === 'out' && upstream
      : step === 1 ? kind === 'in' && upstream && text.includes('HTTP/1.1')
      : step === 2 ? kind === 'in' && upstream && CONTENT.test(JSON.parse(text) as string)
      : kind === 'out' && !upstream;
    if (!next) continue;
    steps[step]!.push(t - at);
    if (++step === 4) at = -1;
  }
  return { steps: steps.map((xs) => percentile(xs.slice(-n), 0.5)), laterRelay: percentile(later.slice(-n).flat(), 0.5) };
}

const upstream = await startUpstreamProcess({ delayMs: 0, chunkDelayMs: 1 });
const dir = mkdtempSync(join(tmpdir(), 'sb-timeline-'));
const traced: Traced[] = [];
try {
  const proxyOut = join(dir, 'proxy.tsv');
  const proxy = await startNodeProxy(upstream.url, UPSTREAM_KEY, { nodeArgs: ['--import', PRELOAD], env: { SOCKET_TRACE_OUT: proxyOut } });
  traced.push({
    label: 'bare node proxy',
    target: { label: 'proxy', origin: proxy.url, path: '/v1/chat/completions', headers: {}, model: 'gpt-4o-mini' },
    pid: proxy.child.pid!,
    serverPort: Number(new URL(proxy.url).port),
    out: proxyOut,
    stop: proxy.stop,
  });
  const daemons: [string, string, boolean, string?][] = [['switchboard (minimum)', MINIMUM_YAML, false], ['switchboard (all on)', ALL_ON_YAML, true]];
  for (const [name, cli] of variants) daemons.push([`all on, ${name}`, ALL_ON_YAML, true, cli]);
  for (const [label, yaml, virtualKey, cli] of daemons) {
    const tag = `${virtualKey ? 'allOn' : 'minimum'}${traced.length}`;
    const out = join(dir, `${tag}.tsv`);
    const d = await startSwitchboard(upstream, dir, tag, yaml, { env: { SOCKET_TRACE_OUT: out }, nodeArgs: ['--import', PRELOAD], ...(cli && { cli }) });
    if (virtualKey) await waitCacheReady(d);
    traced.push({ label, target: await switchboardTarget(d, virtualKey), pid: d.child.pid!, serverPort: Number(new URL(d.url).port), out, stop: d.stop });
  }
  const rows: string[][] = [];
  for (const g of traced) {
    const pool = openPool(g.target, 1);
    const ttft: number[] = [];
    for (let i = 0; i < requests; i++) {
      const s = await send(pool, g.target, true);
      if (i >= requests / 2) ttft.push(s.ttftMs! * 1000); // the first half warms the JIT
    }
    await pool.close();
    process.kill(g.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 500));
    const { steps, laterRelay } = timeline(g.out, g.serverPort, requests / 2);
    const [written, headers, content, relayed] = steps;
    rows.push([g.label, ...[written!, headers!, content!, relayed!, relayed! - content!, laterRelay, percentile(ttft, 0.5)].map((x) => x.toFixed(0))]);
  }
  console.log(`${requests} sequential streams per gateway (medians of the last ${requests / 2}; µs from the gateway's request event)`);
  console.log(table(['gateway', 'upstream request written', 'upstream headers in', 'first content in', 'first content out', 'relay', 'later chunks\' relay', 'client TTFT'], rows));
} finally {
  for (const g of traced) await g.stop();
  await upstream.stop();
}
