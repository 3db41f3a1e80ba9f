/**
 * Idle memory of the built daemon (issue 8: idle RSS ≤ 100 MB without the local model), repeatable on its own
 * and not timing-sensitive:
 *   node --import tsx bench/idleMemory.ts [--starts 3 (0: ready time only)] [--requests 300] [--connections 10] [--ready 5] [--spaces]
 *     [--cli path/to/cli.js]   (another build than dist/daemon/cli.js, to compare bundle variants)
 *     [--node-args="--max-semi-space-size=4 …"]   (V8/Node flags for the daemon, to compare tunings)
 *
 * Each start: the daemon with an empty switchboard.yaml (embedded defaults: observability on, cache off, no local
 * model) and OPENAI_* pointing at the fake upstream in its own process — the same set-up as bench/perf.ts's
 * "idle RSS with no switchboard.yaml". After 1 s idle it reads RSS (/proc/PID/status) and, from inside the daemon,
 * process.memoryUsage(); then sends N chat completions through the OpenAI tier (half of them streaming) and
 * reads both again 1 s after the last one. Prints the median of the starts. `--ready N` also times N starts
 * (spawn → first 200 from /health, polled every 2 ms) with no config and with bench/perf.ts's all-on config.
 *
 * The in-daemon figures come from a tiny preload (`--import data:…`) that answers SIGUSR2 with one line on
 * stderr; it adds well under 1 MB and is not used for the ready-time starts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { daemonBuilt, startDaemon, type DaemonUnderTest } from './daemonProcess.js';
import { openPool, send, type Target } from './perf/load.js';
import { startUpstreamProcess, UPSTREAM_KEY, type UpstreamProcess } from './perf/upstreamProcess.js';
import { ALL_ON_YAML } from './perf.js';
import { percentile, table } from './stats.js';

const PROBE =
  'data:text/javascript,' +
  encodeURIComponent(
    "import v8 from 'node:v8';" +
      "process.on('SIGUSR2', () => { const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));" +
      "process.stderr.write('\\n@@memory ' + JSON.stringify({ ...process.memoryUsage(), spaces }) + '\\n'); });",
  );

interface Probe {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  spaces: Record<string, number>;
}

const MB = 1024 * 1024;

function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

/** Asks the daemon's preload for process.memoryUsage() and waits for its line. */
async function probe(d: DaemonUnderTest): Promise<Probe> {
  const before = d.output().split('@@memory ').length;
  d.child.kill('SIGUSR2');
  for (let i = 0; i < 200; i++) {
    const parts = d.output().split('@@memory ');
    if (parts.length > before) return JSON.parse(parts.at(-1)!.split('\n')[0]!) as Probe;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no memory line from the daemon:\n${d.output()}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => percentile(xs, 0.5);

let cli: string | undefined;
let nodeFlags: string[] = [];

async function start(upstream: UpstreamProcess, dir: string, tag: string, yaml: string, nodeArgs: string[] = []): Promise<DaemonUnderTest> {
  const file = join(dir, `${tag}.yaml`);
  await writeFile(file, yaml);
  return startDaemon({ env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.url, SWITCHBOARD_CONFIG: file }, pollMs: 2, nodeArgs: [...nodeFlags, ...nodeArgs], cli });
}

type Row = Record<string, number>;

async function oneStart(upstream: UpstreamProcess, dir: string, i: number, requests: number, connections: number, spaces: boolean): Promise<Row> {
  const d = await start(upstream, dir, `idle${i}`, '', ['--import', PROBE]);
  try {
    await sleep(1000);
    const idleRss = rssMB(d.child.pid!);
    const idle = await probe(d);
    const t: Target = { label: 'switchboard', origin: d.url, path: '/v1/chat/completions', headers: { authorization: `Bearer ${d.masterKey}` }, model: 'openai/gpt-4o-mini' };
    const pool = openPool(t, connections);
    let issued = 0;
    let errors = 0;
    let firstError = '';
    await Promise.all(Array.from({ length: connections }, async () => {
      while (issued < requests) {
        const stream = issued++ % 2 === 1;
        await send(pool, t, stream).catch((e: unknown) => {
          errors++;
          firstError ||= String(e);
        });
      }
    }));
    await pool.close();
    if (errors) throw new Error(`${errors} of ${requests} requests failed (first: ${firstError})`);
    await sleep(1000);
    const afterRss = rssMB(d.child.pid!);
    const after = await probe(d);
    const row: Row = {
      'ready ms': d.readyMs,
      'idle RSS MB': idleRss,
      'idle heap used MB': idle.heapUsed / MB,
      'idle heap total MB': idle.heapTotal / MB,
      'idle external MB': idle.external / MB,
      [`RSS MB after ${requests}`]: afterRss,
      [`heap used MB after ${requests}`]: after.heapUsed / MB,
      [`heap total MB after ${requests}`]: after.heapTotal / MB,
      [`external MB after ${requests}`]: after.external / MB,
    };
    if (spaces) {
      // Only the spaces that hold anything (read-only, shared and code-large spaces are ~0 here).
      for (const [name, bytes] of Object.entries(idle.spaces)) if (bytes >= 0.05 * MB) row[`idle ${name} MB`] = bytes / MB;
      for (const [name, bytes] of Object.entries(after.spaces)) if (bytes >= 0.05 * MB) row[`${name} MB after ${requests}`] = bytes / MB;
    }
    return row;
  } finally {
    await d.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      starts: { type: 'string', default: '3' },
      requests: { type: 'string', default: '300' },
      connections: { type: 'string', default: '10' },
      ready: { type: 'string', default: '0' },
      spaces: { type: 'boolean', default: false },
      cli: { type: 'string' },
      'node-args': { type: 'string', default: '' },
    },
  });
  cli = values.cli && resolve(values.cli);
  nodeFlags = values['node-args'].split(/\s+/).filter(Boolean);
  if (!cli && !daemonBuilt()) throw new Error('dist/daemon/cli.js is missing: run `npm run build` first');
  const starts = Number(values.starts);
  const requests = Number(values.requests);
  const upstream = await startUpstreamProcess({ delayMs: 0, chunkDelayMs: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-idle-'));
  try {
    const rows: Row[] = [];
    for (let i = 0; i < starts; i++) rows.push(await oneStart(upstream, dir, i, requests, Number(values.connections), values.spaces));
    if (rows.length > 0) {
      const metrics = Object.keys(rows[0]!);
      console.log(`\nidle memory, no switchboard.yaml, ${starts} starts (median, then each start); ${requests} requests at ${values.connections} connections`);
      console.log(table(['metric', 'median', ...rows.map((_, k) => `#${k + 1}`)], metrics.map((m) => [m, median(rows.map((r) => r[m]!)).toFixed(1), ...rows.map((r) => r[m]!.toFixed(1))])));
    }

    const readyRuns = Number(values.ready);
    if (readyRuns > 0) {
      const plain: number[] = [];
      const allOn: number[] = [];
      for (let i = 0; i < readyRuns; i++) {
        for (const [yaml, into, tag] of [['', plain, 'p'], [ALL_ON_YAML, allOn, 'a']] as const) {
          const d = await start(upstream, dir, `ready${tag}${i}`, yaml);
          into.push(d.readyMs);
          await d.stop();
        }
      }
      console.log(`\nready time (spawn → /health 200), ${readyRuns} starts each`);
      console.log(table(['config', 'median ms', 'min', 'max'], [
        ['no switchboard.yaml', median(plain).toFixed(0), Math.min(...plain).toFixed(0), Math.max(...plain).toFixed(0)],
        ['all on (bench/perf.ts)', median(allOn).toFixed(0), Math.min(...allOn).toFixed(0), Math.max(...allOn).toFixed(0)],
      ]));
    }
  } finally {
    await upstream.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});
