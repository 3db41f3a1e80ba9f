/**
 * Observability cost: the same daemon build twice against one fake OpenAI upstream — once with
 * `observability.enabled: false`, once with the defaults (request log, metrics, summary; traces off) and
 * once more with prompt/completion bodies logged — timed in alternating rounds so machine noise hits all.
 * Sequential requests (added latency, P50/P99) and a concurrent burst (throughput, and records dropped).
 *
 * Run: `node --import tsx bench/observability.ts [--requests N] [--warmup N] [--round N] [--burst N]`
 * (or `BENCH_ONLY=observability npm run bench`). Needs `npm run build`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startFakeOpenAI } from '../test/fakes/fakeOpenAI.js';
import { daemonBuilt, DAEMON_CLI, startDaemon, type DaemonUnderTest } from './daemonProcess.js';
import { mean, ms, percentile, table } from './stats.js';

export const name = 'observability';

interface Variant {
  label: string;
  yaml: string;
  daemon?: DaemonUnderTest;
}

const BODY = (stream: boolean) =>
  JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to the benchmark please' }], max_tokens: 64, ...(stream && { stream: true }) });

async function once(d: DaemonUnderTest, payload: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${d.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${d.masterKey}`, 'content-type': 'application/json' }, body: payload });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return performance.now() - started;
}

function arg(argv: string[], flag: string, fallback: number): number {
  const i = argv.indexOf(flag);
  const n = i >= 0 ? Number(argv[i + 1]) : NaN;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  if (!daemonBuilt()) throw new Error(`${DAEMON_CLI} is missing: run npm run build`);
  const requests = arg(argv, '--requests', 2000);
  const warmup = arg(argv, '--warmup', 200);
  const round = arg(argv, '--round', 20);
  const burst = arg(argv, '--burst', 2000);
  const dir = await mkdtemp(join(tmpdir(), 'sb-bench-obs-'));
  const fake = await startFakeOpenAI({ apiKey: 'sk-bench-upstream' });
  const variants: Variant[] = [
    { label: 'off', yaml: 'observability: { enabled: false }\n' },
    { label: 'on (default)', yaml: '' },
    { label: 'on + bodies', yaml: 'observability: { requestLog: { bodies: true } }\n' },
  ];
  try {
    for (const [i, v] of variants.entries()) {
      const file = join(dir, `v${i}.yaml`);
      await writeFile(file, v.yaml);
      v.daemon = await startDaemon({ env: { OPENAI_API_KEY: fake.apiKey, OPENAI_BASE_URL: fake.url, SWITCHBOARD_CONFIG: file } });
    }
    console.log(`observability: ${requests} sequential requests per variant per case (after ${warmup} warm-up), rounds of ${round}, then a burst of ${burst} at 32 concurrent`);
    const rows: string[][] = [];
    for (const stream of [false, true]) {
      const payload = BODY(stream);
      const samples = new Map<string, number[]>(variants.map((v) => [v.label, []]));
      for (let i = 0; i < warmup; i++) for (const v of variants) await once(v.daemon!, payload);
      for (let done = 0, turn = 0; done < requests; done += round, turn++) {
        const order = variants.map((_, k) => variants[(k + turn) % variants.length]!);
        for (const v of order) for (let i = 0; i < round; i++) samples.get(v.label)!.push(await once(v.daemon!, payload));
      }
      const off = samples.get('off')!;
      for (const v of variants) {
        const s = samples.get(v.label)!;
        rows.push([
          `${stream ? 'stream' : 'non-stream'}, ${v.label}`,
          String(s.length),
          ms(percentile(s, 0.5)),
          ms(percentile(s, 0.5) - percentile(off, 0.5)),
          ms(percentile(s, 0.99)),
          ms(percentile(s, 0.99) - percentile(off, 0.99)),
          ms(mean(s)),
          ms(mean(s) - mean(off)),
        ]);
      }
    }
    console.log(`\n${table(['sequential (ms)', 'n', 'P50', 'added P50', 'P99', 'added P99', 'mean', 'added mean'], rows)}\n`);

    const burstRows: string[][] = [];
    for (const v of variants) {
      const payload = BODY(false);
      let next = 0;
      const started = performance.now();
      await Promise.all(Array.from({ length: 32 }, async () => {
        while (next++ < burst) await once(v.daemon!, payload);
      }));
      const seconds = (performance.now() - started) / 1000;
      let dropped = '—';
      if (v.label !== 'off') {
        const m = await (await fetch(`${v.daemon!.url}/metrics`, { headers: { authorization: `Bearer ${v.daemon!.masterKey}` } })).text();
        dropped = /switchboard_request_log_dropped_total (\d+)/.exec(m)?.[1] ?? '?';
      }
      burstRows.push([v.label, String(burst), (burst / seconds).toFixed(0), dropped]);
    }
    console.log(table(['burst, 32 concurrent', 'requests', 'req/s', 'log drops'], burstRows) + '\n');
  } finally {
    for (const v of variants) await v.daemon?.stop();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
