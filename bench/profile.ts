/**
 * Profiles the daemon under load: starts it (all default features on, as in bench/perf.ts) with `--cpu-prof`
 * against the fake upstream in its own process, sends requests, stops it, and prints self time by function and
 * by module from the .cpuprofile (which stays in the printed folder for Chrome DevTools / speedscope).
 *
 * Run: `node --import tsx bench/profile.ts [--requests N (3000)] [--connections N (1)] [--stream] [--minimum | --no-cache]`
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DAEMON_CLI, startDaemon } from './daemonProcess.js';
import { openPool, send, type Target } from './perf/load.js';
import { startUpstreamProcess, UPSTREAM_KEY } from './perf/upstreamProcess.js';
import { ALL_ON_NO_CACHE_YAML, ALL_ON_YAML, MINIMUM_YAML, waitCacheReady } from './perf.js';
import { table } from './stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The daemon is one esbuild bundle; esbuild heads each bundled file with a `// path` comment, so a bundle line
 * maps back to its source file by the last such comment above it.
 */
function bundleModules(file: string): (line: number) => string {
  const marks: { line: number; name: string }[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
    const m = /^\/\/ ((?:daemon\/src|node_modules)\/\S+)$/.exec(text);
    if (m) marks.push({ line: i, name: m[1]!.replace(/^node_modules\/((?:@[^/]+\/)?[^/]+).*$/, '$1') });
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (marks[mid]!.line <= line) lo = mid;
      else hi = mid - 1;
    }
    return marks[lo] && marks[lo]!.line <= line ? marks[lo]!.name : 'daemon/cli.js';
  };
}

// cli.js and its chunks (dist/daemon/chunks/, code splitting), each mapped by its own path comments.
const bundleDir = dirname(DAEMON_CLI);
const mappers = new Map<string, (line: number) => string>();

/**
 * The module of a profile's call frame: the daemon's source file (through the bundle's path comments), the
 * package under node_modules, or the last two path parts; `(name)` for a native frame.
 */
export function moduleOf(url: string, line: number, functionName: string): string {
  const file = url.replace(/^file:\/\//, '');
  if (file.startsWith(`${bundleDir}/`)) {
    if (!mappers.has(file)) mappers.set(file, existsSync(file) ? bundleModules(file) : () => file.slice(bundleDir.length + 1));
    return mappers.get(file)!(line);
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
  return pkg ?? (file ? file.split('/').slice(-2).join('/') : `(${functionName || 'native'})`);
}

/** Self time (ms) per function and per module (source file, or package under node_modules) of a .cpuprofile. */
export function summarize(profile: CpuProfile, top = Number(process.env.PROFILE_TOP ?? 25)): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const module = moduleOf(url, lineNumber, functionName);
    fn.set(`${functionName || '(anonymous)'} ${module}:${lineNumber + 1}`, (fn.get(`${functionName || '(anonymous)'} ${module}:${lineNumber + 1}`) ?? 0) + ms);
    mod.set(module, (mod.get(module) ?? 0) + ms);
  }
  const rows = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k.slice(0, 110), v.toFixed(1), `${((v / total) * 100).toFixed(1)} %`]);
  return `${table(['function (self time)', 'ms', 'share'], rows(fn))}\n\n${table(['module (self time)', 'ms', 'share'], rows(mod))}\n(total ${total.toFixed(0)} ms sampled)`;
}

function arg(argv: string[], flag: string, fallback: number): number {
  const i = argv.indexOf(flag);
  const n = i >= 0 ? Number(argv[i + 1]) : NaN;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const requests = arg(argv, '--requests', 3000);
  const connections = arg(argv, '--connections', 1);
  const stream = argv.includes('--stream');
  const dir = await mkdtemp(join(tmpdir(), 'sb-profile-'));
  const upstream = await startUpstreamProcess({ delayMs: 0, chunkDelayMs: 0 });
  const config = join(dir, 'switchboard.yaml');
  const allOn = argv.includes('--no-cache') ? ALL_ON_NO_CACHE_YAML : ALL_ON_YAML;
  await writeFile(config, argv.includes('--minimum') ? MINIMUM_YAML : allOn);
  const d = await startDaemon({
    env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.url, SWITCHBOARD_CONFIG: config },
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  try {
    const res = await fetch(`${d.url}/switchboard/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${d.masterKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ user: 'bench', team: 'bench' }) });
    const key = ((await res.json()) as { secret: string }).secret;
    // The cache's first start converts its word vectors (~2 s of CPU): a profile of that is not one of requests.
    if (!argv.includes('--minimum') && !argv.includes('--no-cache')) await waitCacheReady(d);
    const t: Target = { label: 'switchboard', origin: d.url, path: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, model: 'openai/gpt-4o-mini' };
    const pool = openPool(t, connections);
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: connections }, async () => {
      while (next++ < requests) await send(pool, t, stream);
    }));
    const seconds = (performance.now() - started) / 1000;
    await pool.close();
    console.log(`${requests} ${stream ? 'streaming' : 'non-streaming'} requests over ${connections} connection(s): ${(seconds * 1000 / requests).toFixed(3)} ms each on average, ${(requests / seconds).toFixed(0)} req/s`);
  } finally {
    await d.stop();
    await upstream.stop();
  }
  // stop() removes the daemon's data folder only; the profile is in ours.
  const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  console.log(`profile: ${join(dir, file)}\n`);
  console.log(summarize(JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
