/**
 * The performance suite: Switchboard side by side with the fake upstream called directly and with Portkey's
 * open-source gateway, in one run, on one machine, with one load generator (bench/perf/load.ts) and one fake
 * upstream in its own process. Every scenario runs in rounds; within a round every target takes its turn and
 * the order rotates each round, so machine noise hits all of them. Figures are medians over rounds.
 *
 * Switchboard runs twice: "all on" = every default feature (master-key auth replaced by a virtual key with rate
 * limits and a daily token + money budget, request log, metrics, summary, response cache looked up and missed
 * on every request) and "minimum" (master key, observability off, no cache, no limits). A bare Node proxy
 * (bench/perf/nodeProxy.ts) runs beside them as the floor: what any gateway written in Node adds here.
 *
 * Run: `npm run bench:perf` (or `node --import tsx bench/perf.ts`), options:
 *   --rounds N (5)  --seq N (300 requests per target per round)  --seq-stream N (100)  --duration MS (2000)
 *   --rate N (500 req/s at 50 connections)  --streams N (1000)  --stream-rounds N (3)  --soak N (50000)
 *   --upstream-ms MS (0: the fake's delay before headers)  --chunk-ms MS (1: before each stream delta)
 *   --skip a,b (scenarios: seq,stream,rate,c50,c500,cpu,burst,local,soak,startup)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DAEMON_CLI, daemonBuilt, startDaemon, type DaemonUnderTest, type StartDaemonOptions } from './daemonProcess.js';
import { closedLoop, fixedRate, openPool, send, sequential, streamBurst, type LoadResult, type Target } from './perf/load.js';
import { loadDirect, localModelPresent, localTierYaml, viaGateway, waitLocalReady, LOCAL_THREADS } from './perf/localTier.js';
import { portkeyHeaders, portkeyInstalled, startPortkey, type PortkeyProcess } from './perf/portkey.js';
import { startNodeProxy, type NodeProxyProcess } from './perf/nodeProxy.js';
import { startUpstreamProcess, UPSTREAM_KEY, type UpstreamProcess } from './perf/upstreamProcess.js';
import { percentile, table } from './stats.js';

export const name = 'perf';

interface Options {
  rounds: number;
  seq: number;
  seqStream: number;
  durationMs: number;
  rate: number;
  streams: number;
  streamRounds: number;
  soak: number;
  upstreamMs: number;
  chunkMs: number;
  skip: Set<string>;
}

export const ALL_ON_YAML =
  'cache: { enabled: true }\n' +
  'limits: { key: { rpm: 100000000, tpm: 100000000000 } }\n' +
  'budgets: { key: { day: { tokens: 100000000000, usd: 100000000 } } }\n';
export const MINIMUM_YAML = 'observability: { enabled: false }\n';
/** All on without the response cache (bench/profile.ts --no-cache, bench/cpuPerRequest.ts). */
export const ALL_ON_NO_CACHE_YAML = ALL_ON_YAML.replace(/^cache:.*\n/m, '');

type Metrics = Record<string, number>;
/** label → metric → one value per round */
type RoundResults = Map<string, Map<string, number[]>>;

const DIRECT = 'direct';
const ALL_ON = 'switchboard (all on)';
const MINIMUM = 'switchboard (minimum)';
const PORTKEY = 'portkey';
const NODE_PROXY = 'bare node proxy';

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────────────

function median(xs: number[]): number {
  return percentile(xs, 0.5);
}

/** CPU time (user + system, ms) a process has used so far. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}

function checked(r: LoadResult, t: Target, errors: string[]): LoadResult {
  if (r.errors) errors.push(`${t.label}: ${r.errors} errors (first: ${r.firstError})`);
  return r;
}

function latency(r: LoadResult, prefix: string): Metrics {
  const total = r.samples.map((s) => s.totalMs);
  return { [`${prefix} P50`]: percentile(total, 0.5), [`${prefix} P99`]: percentile(total, 0.99) };
}

/** Runs `measure` for every target, `rounds` times, rotating who goes first. */
async function inRounds(targets: Target[], rounds: number, measure: (t: Target) => Promise<Metrics>): Promise<RoundResults> {
  const out: RoundResults = new Map(targets.map((t) => [t.label, new Map()]));
  for (let r = 0; r < rounds; r++) {
    const order = targets.map((_, k) => targets[(k + r) % targets.length]!);
    for (const t of order) {
      for (const [metric, v] of Object.entries(await measure(t))) {
        const per = out.get(t.label)!;
        per.set(metric, [...(per.get(metric) ?? []), v]);
      }
    }
  }
  return out;
}

function fmt(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '—';
}

/** One table row per metric: medians per target, ratios of "all on" to direct and to Portkey, added latency. */
function rows(scenario: string, results: RoundResults, higherIsBetter: (metric: string) => boolean): string[][] {
  const metrics = [...(results.get(DIRECT)?.keys() ?? [])];
  const m = (label: string, metric: string) => median(results.get(label)?.get(metric) ?? []);
  return metrics.map((metric) => {
    const [d, on, min, pk, px] = [DIRECT, ALL_ON, MINIMUM, PORTKEY, NODE_PROXY].map((l) => m(l, metric)) as [number, number, number, number, number];
    const throughput = higherIsBetter(metric);
    const digits = throughput ? 0 : 3;
    const added = (x: number) => (throughput ? '—' : fmt(x - d));
    return [
      `${scenario}: ${metric}`,
      fmt(d, digits), fmt(on, digits), fmt(min, digits), fmt(pk, digits), fmt(px, digits),
      `${fmt(on / d, 2)}×`, `${fmt(on / pk, 2)}×`,
      added(on), added(min), added(pk), throughput ? `${fmt(px / d, 2)}×` : added(px),
      throughput ? '—' : `${fmt((on - d) / (pk - d), 2)}×`,
    ];
  });
}

/** "proxy added": what the bare Node proxy adds (for req/s rows: its throughput ÷ direct), the floor for any Node gateway. */
const HEADER = ['scenario: metric (ms, req/s)', 'direct', 'all on', 'minimum', 'portkey', 'node proxy', 'on÷direct', 'on÷portkey', 'on added', 'min added', 'pk added', 'proxy added', 'added÷pk'];

// ── scenarios ────────────────────────────────────────────────────────────────────────────────────────────

async function soak(upstream: UpstreamProcess, dir: string, n: number, log: (s: string) => void): Promise<Metrics> {
  const d = await startSwitchboard(upstream, dir, 'soak', ALL_ON_YAML);
  try {
    const t = await switchboardTarget(d, true);
    await new Promise((r) => setTimeout(r, 1000));
    const idle = rssMB(d.child.pid!);
    const pool = openPool(t, 50);
    // RSS every 1,000 requests. V8's heap breathes by tens of MB between collections, so growth compares the
    // peak of the last fifth of the soak with the peak of the second fifth (after the cache has filled).
    const samples: { at: number; mb: number }[] = [];
    let issued = 0;
    let errors = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: 50 }, async () => {
      while (issued < n) {
        issued++;
        if (issued % 1000 === 0) samples.push({ at: issued, mb: rssMB(d.child.pid!) });
        await send(pool, t, false).catch(() => errors++);
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    await pool.close();
    const peak = (from: number, to: number) => Math.max(...samples.filter((x) => x.at > n * from && x.at <= n * to).map((x) => x.mb));
    const [warm, end] = [peak(0.2, 0.4), peak(0.8, 1)];
    log(`soak: ${n} requests at 50 connections in ${seconds.toFixed(1)} s (${(n / seconds).toFixed(0)} req/s), ${errors} errors`);
    return { requests: n, errors, 'idle RSS MB': idle, 'peak RSS MB, 20–40 %': warm, 'peak RSS MB, 80–100 %': end, 'growth % after warm-up': (end / warm - 1) * 100 };
  } finally {
    await d.stop();
  }
}

/** The built daemon on `yaml` (written to `<dir>/<tag>.yaml`) against the fake upstream; `opts` as startDaemon's. */
export async function startSwitchboard(upstream: UpstreamProcess, dir: string, tag: string, yaml: string, opts: Partial<StartDaemonOptions> = {}): Promise<DaemonUnderTest> {
  const file = join(dir, `${tag}.yaml`);
  await writeFile(file, yaml);
  return startDaemon({ ...opts, env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.url, SWITCHBOARD_CONFIG: file, ...opts.env } });
}

/** Waits until the daemon's response cache has its embedder (the semantic tier) ready. */
export async function waitCacheReady(d: DaemonUnderTest, timeoutMs = 60_000): Promise<void> {
  const started = performance.now();
  for (;;) {
    const res = await fetch(`${d.url}/switchboard/v1/cache`, { headers: { authorization: `Bearer ${d.masterKey}` } });
    const stats = (await res.json()) as { embedderReady?: boolean };
    if (stats.embedderReady) return;
    if (performance.now() - started > timeoutMs) throw new Error(`the cache's embedder was not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function switchboardTarget(d: DaemonUnderTest, virtualKey: boolean): Promise<Target> {
  let key = d.masterKey;
  if (virtualKey) {
    const res = await fetch(`${d.url}/switchboard/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${d.masterKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ user: 'bench', team: 'bench' }) });
    if (res.status !== 200 && res.status !== 201) throw new Error(`creating a virtual key: HTTP ${res.status}: ${await res.text()}`);
    key = ((await res.json()) as { secret: string }).secret;
  }
  const origin = d.url;
  return { label: virtualKey ? ALL_ON : MINIMUM, origin, path: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, model: 'openai/gpt-4o-mini' };
}

async function startup(upstream: UpstreamProcess, dir: string, log: (s: string) => void): Promise<string[][]> {
  const times: number[] = [];
  const portkeyTimes: number[] = [];
  const localTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const d = await startSwitchboard(upstream, dir, `start${i}`, ALL_ON_YAML, { pollMs: 2 });
    times.push(d.readyMs);
    await d.stop();
    if (portkeyInstalled()) {
      const p = await startPortkey();
      portkeyTimes.push(p.readyMs);
      await p.stop();
    }
    if (localModelPresent()) {
      const l = await startSwitchboard(upstream, dir, `startl${i}`, ALL_ON_YAML + localTierYaml(), { pollMs: 2 });
      const loaded = await waitLocalReady(l);
      localTimes.push(l.readyMs, l.readyMs + loaded);
      await l.stop();
    }
  }
  // Idle memory of a daemon with no switchboard.yaml at all (the cache is off by default).
  const plain = await startSwitchboard(upstream, dir, 'plain', '');
  await new Promise((r) => setTimeout(r, 1000));
  log(`idle RSS with no switchboard.yaml (defaults, cache off): ${rssMB(plain.child.pid!).toFixed(1)} MB`);
  await plain.stop();
  log(`start-up: switchboard ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
  const mmm = (xs: number[]) => [fmt(Math.min(...xs), 0), fmt(median(xs), 0), fmt(Math.max(...xs), 0)];
  const out = [['switchboard, all on: spawn → /health 200', ...mmm(times)]];
  if (localTimes.length) {
    out.push(['  … with the local model: /health 200', ...mmm(localTimes.filter((_, i) => i % 2 === 0))]);
    out.push(['  … with the local model: local tier ready', ...mmm(localTimes.filter((_, i) => i % 2 === 1))]);
  }
  if (portkeyTimes.length) out.push(['portkey: spawn → GET / 200', ...mmm(portkeyTimes)]);
  return out;
}

async function localTier(upstream: UpstreamProcess, dir: string, rounds: number): Promise<{ rows: string[][]; rss: number }> {
  const d = await startSwitchboard(upstream, dir, 'local', localTierYaml());
  const direct = await loadDirect();
  try {
    await waitLocalReady(d);
    const maxTokens = 256;
    // The same warm-up for both sides: full-length generations, until both processes' code is optimised. Both
    // sides start ~40 % below their steady rate and take ~10 generations to reach it (measured: 800 → 1,800
    // tokens/s through the gateway, 1,000 → 2,000 direct); three were not enough and left the ratio to chance.
    for (let i = 0; i < 12; i++) {
      await viaGateway(d, maxTokens);
      await direct.generate(maxTokens);
    }
    const rates = { direct: [] as number[], gateway: [] as number[] };
    const tokens = { direct: [] as number[], gateway: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? (['gateway', 'direct'] as const) : (['direct', 'gateway'] as const);
      for (const side of order) {
        for (let i = 0; i < 3; i++) {
          const g = side === 'direct' ? await direct.generate(maxTokens) : await viaGateway(d, maxTokens);
          rates[side].push(g.tokens / g.seconds);
          tokens[side].push(g.tokens);
        }
      }
    }
    const rss = rssMB(d.child.pid!);
    const dm = median(rates.direct);
    const gm = median(rates.gateway);
    return {
      rss,
      rows: [[
        `${LOCAL_THREADS} thread, ≤ ${maxTokens} tokens, streamed`,
        fmt(median(tokens.direct), 0), fmt(dm, 0), fmt(median(tokens.gateway), 0), fmt(gm, 0), `${fmt((gm / dm) * 100, 1)} %`,
        `${fmt(Math.min(...rates.gateway), 0)} / ${fmt(gm, 0)} / ${fmt(Math.max(...rates.gateway), 0)}`,
      ]],
    };
  } finally {
    await direct.close();
    await d.stop();
  }
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────────────────

export async function measure(o: Options, log: (s: string) => void = console.log): Promise<void> {
  if (!daemonBuilt()) throw new Error(`${DAEMON_CLI} is missing: run npm run build`);
  if (!portkeyInstalled()) throw new Error('@portkey-ai/gateway is not installed: run npm install (it is a devDependency)');
  const dir = await mkdtemp(join(tmpdir(), 'sb-bench-perf-'));
  const upstream = await startUpstreamProcess({ delayMs: o.upstreamMs, chunkDelayMs: o.chunkMs });
  const daemons: DaemonUnderTest[] = [];
  let portkey: PortkeyProcess | undefined;
  let proxy: NodeProxyProcess | undefined;
  const errors: string[] = [];
  const run = (s: string) => !o.skip.has(s);
  try {
    const allOn = await startSwitchboard(upstream, dir, 'allOn', ALL_ON_YAML);
    daemons.push(allOn);
    const minimum = await startSwitchboard(upstream, dir, 'minimum', MINIMUM_YAML);
    daemons.push(minimum);
    portkey = await startPortkey();
    proxy = await startNodeProxy(upstream.url, UPSTREAM_KEY);
    const up = new URL(upstream.url);
    const list: Target[] = [
      { label: DIRECT, origin: up.origin, path: '/v1/chat/completions', headers: { authorization: `Bearer ${UPSTREAM_KEY}` }, model: 'gpt-4o-mini' },
      await switchboardTarget(allOn, true),
      await switchboardTarget(minimum, false),
      { label: PORTKEY, origin: portkey.url, path: '/v1/chat/completions', headers: { authorization: `Bearer ${UPSTREAM_KEY}`, ...portkeyHeaders(upstream.url) }, model: 'gpt-4o-mini' },
      { label: NODE_PROXY, origin: proxy.url, path: '/v1/chat/completions', headers: {}, model: 'gpt-4o-mini' },
    ];
    const idle = new Map([[ALL_ON, rssMB(allOn.child.pid!)], [MINIMUM, rssMB(minimum.child.pid!)], [PORTKEY, rssMB(portkey.child.pid!)]]);
    // The cache's first start in a new data folder converts its word vectors (~2 s of CPU in the background);
    // until then it matches exactly only. Measuring before that would time half a cache and the conversion.
    await waitCacheReady(allOn);
    // Warm-up and a correctness check: every target answers both shapes, then 2 s of load each: the first
    // ~1,000 requests of a Node process run unoptimised code (sequential P50 went 4.0 → 2.5 → 1.8 → 1.4 ms
    // over four rounds of 300 for all on, 2.0 → 0.7 for minimum), which 250 sequential requests did not cover.
    for (const t of list) {
      checked(await sequential(t, 200, false), t, errors);
      checked(await sequential(t, 50, true), t, errors);
      checked(await closedLoop(t, 50, 2000), t, errors);
    }
    if (errors.length) throw new Error(`warm-up failed:\n${errors.join('\n')}`);

    log(`perf: ${o.rounds} rounds; upstream delay ${o.upstreamMs} ms, ${o.chunkMs} ms per stream delta; Node ${process.version}, undici Pool client`);
    const table1: string[][] = [];
    const noise: string[][] = [];
    /** Every request's latency at the fixed rate, per target, over all rounds. */
    const pooledAtRate = new Map<string, number[]>();
    const isRate = (metric: string) => metric.startsWith('req/s');
    const addNoise = (what: string, res: RoundResults, metric: string) => {
      for (const label of [DIRECT, ALL_ON, PORTKEY]) {
        const xs = res.get(label)?.get(metric) ?? [];
        noise.push([`${what}, ${label}`, fmt(Math.min(...xs), isRate(metric) ? 0 : 3), fmt(median(xs), isRate(metric) ? 0 : 3), fmt(Math.max(...xs), isRate(metric) ? 0 : 3)]);
      }
    };

    if (run('seq')) {
      log(`… sequential, non-streaming: ${o.seq} requests per target per round`);
      const res = await inRounds(list, o.rounds, async (t) => latency(checked(await sequential(t, o.seq, false), t, errors), 'latency'));
      table1.push(...rows('sequential', res, isRate));
      addNoise('sequential P50 (ms)', res, 'latency P50');
    }
    if (run('stream')) {
      log(`… sequential, streaming: ${o.seqStream} streams per target per round`);
      const res = await inRounds(list, o.rounds, async (t) => {
        const r = checked(await sequential(t, o.seqStream, true), t, errors);
        const ttft = r.samples.map((s) => s.ttftMs!);
        return {
          'TTFT P50': percentile(ttft, 0.5),
          'TTFT P99': percentile(ttft, 0.99),
          'first token → end P50': percentile(r.samples.map((s) => s.totalMs - s.ttftMs!), 0.5),
        };
      });
      table1.push(...rows('stream', res, isRate));
    }
    if (run('rate')) {
      log(`… fixed rate: ${o.rate} req/s over 50 connections for ${o.durationMs} ms per target per round`);
      const res = await inRounds(list, o.rounds, async (t) => {
        const r = checked(await fixedRate(t, 50, o.rate, o.durationMs), t, errors);
        pooledAtRate.set(t.label, (pooledAtRate.get(t.label) ?? []).concat(r.samples.map((x) => x.totalMs)));
        return latency(r, 'latency');
      });
      table1.push(...rows(`50 conn @ ${o.rate}/s`, res, isRate));
      addNoise(`50 conn @ ${o.rate}/s P50 (ms)`, res, 'latency P50');
      addNoise(`50 conn @ ${o.rate}/s P99 (ms)`, res, 'latency P99');
    }
    for (const c of [50, 500]) {
      if (!run(`c${c}`)) continue;
      log(`… closed loop: ${c} connections for ${o.durationMs} ms per target per round`);
      const res = await inRounds(list, o.rounds, async (t) => {
        const r = checked(await closedLoop(t, c, o.durationMs), t, errors);
        return { 'req/s': r.samples.length / r.seconds, ...latency(r, 'latency') };
      });
      table1.push(...rows(`${c} conn, max`, res, isRate));
      addNoise(`${c} conn req/s`, res, 'req/s');
    }
    if (run('cpu')) {
      // CPU time per request of each process on the path, from /proc: unlike latency and throughput it hardly
      // depends on what else the machine is doing, and it says where a gateway's cost is.
      log(`… CPU per request: 50 connections for ${o.durationMs} ms per target per round`);
      const gateways: [Target, number | undefined][] = [
        [list[0]!, undefined],
        [list[1]!, allOn.child.pid],
        [list[2]!, minimum.child.pid],
        [list[3]!, portkey.child.pid],
        [list[4]!, proxy.child.pid],
      ];
      const pidOf = new Map(gateways.map(([t, pid]) => [t.label, pid]));
      const res = await inRounds(gateways.map(([t]) => t), o.rounds, async (t) => {
        const pid = pidOf.get(t.label);
        const [g0, u0] = [pid ? cpuMs(pid) : 0, cpuMs(upstream.child.pid!)];
        const r = checked(await closedLoop(t, 50, o.durationMs), t, errors);
        const n = r.samples.length;
        return { gateway: pid ? ((cpuMs(pid) - g0) * 1000) / n : NaN, upstream: ((cpuMs(upstream.child.pid!) - u0) * 1000) / n, 'req/s': n / r.seconds };
      });
      const m = (label: string, metric: string) => median(res.get(label)?.get(metric) ?? []);
      log(`\n${table(
        ['CPU per request (median of rounds)', 'gateway µs', 'upstream µs', 'req/s', 'gateway ÷ node proxy'],
        gateways.map(([t]) => [
          t.label,
          fmt(m(t.label, 'gateway'), 0),
          fmt(m(t.label, 'upstream'), 0),
          fmt(m(t.label, 'req/s'), 0),
          t.label === DIRECT ? '—' : `${fmt(m(t.label, 'gateway') / m(NODE_PROXY, 'gateway'), 2)}×`,
        ]),
      )}\n`);
    }
    let burstErrors = '';
    if (run('burst')) {
      log(`… ${o.streams} concurrent streams, ${o.streamRounds} rounds`);
      const perTarget = new Map<string, number>();
      const res = await inRounds(list, o.streamRounds, async (t) => {
        const r = await streamBurst(t, o.streams);
        perTarget.set(t.label, (perTarget.get(t.label) ?? 0) + r.errors);
        if (r.errors) errors.push(`${t.label}: ${r.errors} of ${o.streams} streams failed (first: ${r.firstError})`);
        const ttft = r.samples.map((s) => s.ttftMs!);
        return { 'TTFT P50': percentile(ttft, 0.5), 'TTFT P99': percentile(ttft, 0.99), 'all done (ms)': r.seconds * 1000 };
      });
      table1.push(...rows(`${o.streams} streams`, res, isRate));
      burstErrors = [...perTarget].map(([l, n]) => `${l} ${n}`).join(', ');
    }

    log(`\n${table(HEADER, table1)}\n`);
    if (burstErrors) log(`failed streams over ${o.streamRounds} rounds of ${o.streams}: ${burstErrors}`);
    log(`\nnoise over rounds (min / median / max):\n${table(['figure', 'min', 'median', 'max'], noise)}\n`);
    if (pooledAtRate.size) {
      // A round's P99 is its ~10th slowest request of ~1,000: whether a GC or another process's burst fell in
      // that round decides it. Pooled over every round's requests, the figure moves much less.
      const direct = percentile(pooledAtRate.get(DIRECT) ?? [], 0.99);
      const pooled = [...pooledAtRate].map(([label, xs]) => {
        const p99 = percentile(xs, 0.99);
        return [label, String(xs.length), fmt(p99, 3), label === DIRECT ? '—' : fmt(p99 - direct, 3), fmt(percentile(xs, 0.999), 3)];
      });
      log(`latency at ${o.rate} req/s over 50 connections, every round's requests pooled:\n${table(['target', 'requests', 'P99 ms', 'P99 added ms', 'P99.9 ms'], pooled)}\n`);
    }
    log(`idle RSS (MB, after warm-up): ${[...idle].map(([l, v]) => `${l} ${v.toFixed(1)}`).join(', ')}`);

    for (const d of daemons.splice(0)) await d.stop();
    await portkey.stop();
    portkey = undefined;
    await proxy.stop();
    proxy = undefined;

    if (run('local') && localModelPresent()) {
      log('… local tier: gateway vs node-llama-cpp direct');
      const local = await localTier(upstream, dir, o.rounds);
      log(`\n${table(['local tier', 'direct tokens', 'direct tok/s', 'gateway tokens', 'gateway tok/s', 'gateway÷direct', 'gateway min/med/max'], local.rows)}`);
      log(`RSS with the local model loaded: ${local.rss.toFixed(1)} MB\n`);
    }
    if (run('soak')) {
      log(`… soak: ${o.soak} requests, all on`);
      const s = await soak(upstream, dir, o.soak, log);
      log(table(['soak (all on)', 'value'], Object.entries(s).map(([k, v]) => [k, fmt(v, k.startsWith('growth') ? 1 : k.includes('MB') ? 1 : 0)])) + '\n');
    }
    if (run('startup')) {
      log('… start-up, 5 times each');
      log(table(['start-up (ms)', 'min', 'median', 'max'], await startup(upstream, dir, log)) + '\n');
    }
    if (errors.length) log(`errors:\n${errors.join('\n')}`);
  } finally {
    for (const d of daemons) await d.stop();
    await portkey?.stop();
    await proxy?.stop();
    await upstream.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function optionsFrom(argv: string[]): Options {
  const num = (flag: string, fallback: number) => {
    const i = argv.indexOf(flag);
    const n = i >= 0 ? Number(argv[i + 1]) : NaN;
    return Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  const i = argv.indexOf('--skip');
  return {
    rounds: num('--rounds', 5),
    seq: num('--seq', 300),
    seqStream: num('--seq-stream', 100),
    durationMs: num('--duration', 2000),
    rate: num('--rate', 500),
    streams: num('--streams', 1000),
    streamRounds: num('--stream-rounds', 3),
    soak: num('--soak', 50_000),
    upstreamMs: num('--upstream-ms', 0),
    chunkMs: num('--chunk-ms', 1),
    skip: new Set(i >= 0 ? (argv[i + 1] ?? '').split(',') : []),
  };
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  await measure(optionsFrom(argv));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
