/**
 * Access-and-cost overhead: one daemon build, one fake OpenAI upstream, three ways in — the master key (no
 * limits apply), a virtual key with rpm + tpm + a daily token and money budget counted in the embedded store,
 * and the same key with the counters in a real redis-server — timed in alternating rounds. The added latency is
 * key lookup, prompt token counting (gpt-tokenizer) and one reservation; settling and the ledger are off the path.
 *
 * Run: `node --import tsx bench/limits.ts [--requests N] [--warmup N] [--round N]`
 * (or `BENCH_ONLY=limits npm run bench`). Needs `npm run build` and `redis-server`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startFakeOpenAI } from '../test/fakes/fakeOpenAI.js';
import { startRedis } from '../test/helpers/redisServer.js';
import { daemonBuilt, DAEMON_CLI, startDaemon, type DaemonUnderTest } from './daemonProcess.js';
import { mean, ms, percentile, table } from './stats.js';

export const name = 'limits';

const BODY = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to the benchmark please' }], max_tokens: 64 });
const LIMITS = 'limits: { key: { rpm: 1000000, tpm: 1000000000 } }\nbudgets: { key: { day: { tokens: 1000000000, usd: 1000000 } } }\n';

async function once(url: string, key: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: BODY });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return performance.now() - started;
}

async function virtualKey(d: DaemonUnderTest): Promise<string> {
  const res = await fetch(`${d.url}/switchboard/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${d.masterKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ user: 'bench', team: 'bench' }) });
  return ((await res.json()) as { secret: string }).secret;
}

function arg(argv: string[], flag: string, fallback: number): number {
  const i = argv.indexOf(flag);
  const n = i >= 0 ? Number(argv[i + 1]) : NaN;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  if (!daemonBuilt()) throw new Error(`${DAEMON_CLI} is missing: run npm run build`);
  const requests = arg(argv, '--requests', 1000);
  const warmup = arg(argv, '--warmup', 100);
  const round = arg(argv, '--round', 20);
  const dir = await mkdtemp(join(tmpdir(), 'sb-bench-limits-'));
  const fake = await startFakeOpenAI({ apiKey: 'sk-bench-upstream' });
  const redis = await startRedis();
  const daemons: DaemonUnderTest[] = [];
  try {
    const start = async (yaml: string) => {
      const file = join(dir, `c${daemons.length}.yaml`);
      await writeFile(file, yaml);
      const d = await startDaemon({ env: { OPENAI_API_KEY: fake.apiKey, OPENAI_BASE_URL: fake.url, SWITCHBOARD_CONFIG: file, SWITCHBOARD_LOG_LEVEL: 'warn' } });
      daemons.push(d);
      return d;
    };
    const embedded = await start(LIMITS);
    const shared = await start(`${LIMITS}store: { mode: redis, redis: { url: "${redis.url}" } }\n`);
    const variants = [
      { label: 'master key (no limits)', url: embedded.url, key: embedded.masterKey },
      { label: 'virtual key, embedded', url: embedded.url, key: await virtualKey(embedded) },
      { label: 'virtual key, redis', url: shared.url, key: await virtualKey(shared) },
    ];
    console.log(`limits: ${requests} sequential non-streaming requests per variant (after ${warmup} warm-up), rounds of ${round}`);
    const samples = new Map<string, number[]>(variants.map((v) => [v.label, []]));
    for (let i = 0; i < warmup; i++) for (const v of variants) await once(v.url, v.key);
    for (let done = 0, turn = 0; done < requests; done += round, turn++) {
      const order = variants.map((_, k) => variants[(k + turn) % variants.length]!);
      for (const v of order) for (let i = 0; i < round; i++) samples.get(v.label)!.push(await once(v.url, v.key));
    }
    const base = samples.get(variants[0]!.label)!;
    const rows = variants.map((v) => {
      const s = samples.get(v.label)!;
      return [v.label, String(s.length), ms(percentile(s, 0.5)), ms(percentile(s, 0.5) - percentile(base, 0.5)), ms(percentile(s, 0.99)), ms(percentile(s, 0.99) - percentile(base, 0.99)), ms(mean(s))];
    });
    console.log(`\n${table(['sequential (ms)', 'n', 'P50', 'added P50', 'P99', 'added P99', 'mean'], rows)}\n`);
  } finally {
    for (const d of daemons) await d.stop();
    await redis.stop();
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
