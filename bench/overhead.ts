/**
 * Overhead benchmark: the latency the daemon adds over calling the same fake OpenAI upstream directly.
 * Sequential requests, streaming and not, direct and through the gateway alternating in rounds (the side
 * that goes first swaps every round) so that machine noise hits both. Prints P50/P99 and ratios.
 *
 * Run: `node --import tsx bench/overhead.ts [--requests N] [--warmup N] [--round N]`
 * (env BENCH_REQUESTS / BENCH_WARMUP / BENCH_ROUND work too). Needs `npm run build` for the gateway half;
 * without dist/daemon/cli.js it measures the direct half only and says so.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startFakeOpenAI, type FakeOpenAI } from '../test/fakes/fakeOpenAI.js';
import { DAEMON_CLI, daemonBuilt, startDaemon, type DaemonUnderTest } from './daemonProcess.js';
import { mean, ms, percentile, table } from './stats.js';

export const name = 'overhead';

export interface OverheadOptions {
  /** Timed requests per target per case (default 2000). */
  requests: number;
  /** Untimed requests per target per case first (default 200). */
  warmup: number;
  /** Consecutive requests to one target before switching to the other (default 20). */
  round: number;
}

interface Target {
  label: 'direct' | 'gateway';
  url: string;
  key: string;
  model: string;
}

interface Sample {
  totalMs: number;
  /** Streaming only: time to the first body bytes. */
  firstMs?: number;
}

export interface CaseResult {
  case: string;
  direct: number[];
  gateway?: number[];
}

const PROMPT = 'Say hello to the benchmark please';
const EXPECTED = `echo: ${PROMPT}`;

function body(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: PROMPT }],
    max_tokens: 64,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

/** One timed request; the body is read to its end. Throws on a non-200. */
async function once(t: Target, payload: string, stream: boolean): Promise<Sample> {
  const started = performance.now();
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
    body: payload,
  });
  if (res.status !== 200) throw new Error(`${t.label}: HTTP ${res.status}: ${await res.text()}`);
  if (!stream) {
    await res.arrayBuffer();
    return { totalMs: performance.now() - started };
  }
  const reader = res.body!.getReader();
  let firstMs: number | undefined;
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
    firstMs ??= performance.now() - started;
  }
  return { totalMs: performance.now() - started, firstMs };
}

/** One untimed call that checks the reply really is the fake's echo, translated end to end. */
async function sanityCheck(t: Target, stream: boolean): Promise<void> {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
    body: body(t.model, stream),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${t.label} sanity check: HTTP ${res.status}: ${text}`);
  let content = '';
  if (stream) {
    if (!text.includes('data: [DONE]')) throw new Error(`${t.label} sanity check: stream did not end with [DONE]:\n${text}`);
    for (const line of text.split('\n')) {
      if (!line.startsWith('data: {')) continue;
      const chunk = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string } }[] };
      content += chunk.choices?.[0]?.delta?.content ?? '';
    }
  } else {
    content = (JSON.parse(text) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
  }
  if (content !== EXPECTED) throw new Error(`${t.label} sanity check: expected ${JSON.stringify(EXPECTED)}, got ${JSON.stringify(content)}`);
}

async function runCase(targets: Target[], stream: boolean, opts: OverheadOptions): Promise<Map<string, Sample[]>> {
  const payloads = new Map(targets.map((t) => [t.label, body(t.model, stream)]));
  const samples = new Map<string, Sample[]>(targets.map((t) => [t.label, []]));
  for (const t of targets) await sanityCheck(t, stream);
  for (let i = 0; i < opts.warmup; i++) for (const t of targets) await once(t, payloads.get(t.label)!, stream);
  let done = 0;
  let flip = false;
  while (done < opts.requests) {
    const n = Math.min(opts.round, opts.requests - done);
    const order = flip ? [...targets].reverse() : targets;
    for (const t of order) {
      const out = samples.get(t.label)!;
      for (let i = 0; i < n; i++) out.push(await once(t, payloads.get(t.label)!, stream));
    }
    done += n;
    flip = !flip;
  }
  return samples;
}

/** Runs the benchmark and returns the raw latencies per case (ms). */
export async function measureOverhead(opts: OverheadOptions, log: (line: string) => void = console.log): Promise<CaseResult[]> {
  const fake: FakeOpenAI = await startFakeOpenAI({ apiKey: 'sk-bench-upstream' });
  let daemon: DaemonUnderTest | undefined;
  try {
    const targets: Target[] = [{ label: 'direct', url: `${fake.url}/chat/completions`, key: fake.apiKey, model: 'gpt-4o-mini' }];
    if (daemonBuilt()) {
      daemon = await startDaemon({ env: { OPENAI_API_KEY: fake.apiKey, OPENAI_BASE_URL: fake.url } });
      targets.push({ label: 'gateway', url: `${daemon.url}/v1/chat/completions`, key: daemon.masterKey, model: 'openai/gpt-4o-mini' });
    } else {
      log(`note: ${DAEMON_CLI} not found (run \`npm run build\`): measuring the direct half only.`);
    }
    const results: CaseResult[] = [];
    for (const stream of [false, true]) {
      const label = stream ? 'stream' : 'non-stream';
      log(`… ${label}: ${opts.warmup} warm-up + ${opts.requests} timed requests per target`);
      let samples: Map<string, Sample[]>;
      try {
        samples = await runCase(targets, stream, opts);
      } catch (err) {
        if (daemon) log(`daemon output:\n${daemon.output()}`);
        throw err;
      }
      fake.reset();
      const pick = (label2: string, f: (s: Sample) => number | undefined) => samples.get(label2)?.map(f).filter((x): x is number => x !== undefined);
      results.push({ case: stream ? 'stream, total' : 'non-stream', direct: pick('direct', (s) => s.totalMs)!, gateway: pick('gateway', (s) => s.totalMs) });
      if (stream) {
        results.push({ case: 'stream, first bytes', direct: pick('direct', (s) => s.firstMs)!, gateway: pick('gateway', (s) => s.firstMs) });
      }
    }
    return results;
  } finally {
    await daemon?.stop();
    await fake.close();
  }
}

/** Formats results: P50/P99 per side, the added latency and the gateway/direct ratio. */
export function formatOverhead(results: CaseResult[]): string {
  const rows = results.map((r) => {
    const d50 = percentile(r.direct, 0.5);
    const d99 = percentile(r.direct, 0.99);
    const g50 = r.gateway ? percentile(r.gateway, 0.5) : NaN;
    const g99 = r.gateway ? percentile(r.gateway, 0.99) : NaN;
    const ratio = (g: number, d: number) => (Number.isFinite(g) ? `${(g / d).toFixed(2)}×` : '—');
    return [
      r.case,
      String(r.direct.length),
      ms(d50), ms(g50), ms(g50 - d50), ratio(g50, d50),
      ms(d99), ms(g99), ms(g99 - d99), ratio(g99, d99),
      ms(mean(r.direct)), ms(r.gateway ? mean(r.gateway) : NaN),
    ];
  });
  return table(
    ['case (ms)', 'n', 'direct P50', 'gateway P50', 'added P50', 'ratio', 'direct P99', 'gateway P99', 'added P99', 'ratio', 'direct mean', 'gateway mean'],
    rows,
  );
}

function optionsFrom(argv: string[], env: NodeJS.ProcessEnv): OverheadOptions {
  const arg = (flag: string, envName: string, fallback: number) => {
    const i = argv.indexOf(flag);
    const raw = i >= 0 ? argv[i + 1] : env[envName];
    const n = raw === undefined ? NaN : Number(raw);
    return Number.isInteger(n) && n > 0 ? n : fallback;
  };
  return { requests: arg('--requests', 'BENCH_REQUESTS', 2000), warmup: arg('--warmup', 'BENCH_WARMUP', 200), round: arg('--round', 'BENCH_ROUND', 20) };
}

/** Entry point used by bench/run.ts. */
export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const opts = optionsFrom(argv, process.env);
  console.log(`overhead: sequential requests, client = Node ${process.version} fetch (undici), fake upstream on loopback`);
  const results = await measureOverhead(opts);
  console.log(`\n${formatOverhead(results)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
