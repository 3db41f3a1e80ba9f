/**
 * Runs every benchmark in bench/ in turn (`npm run bench`). Builds the daemon first when the build script
 * exists, so the figures are for the current source (set BENCH_NO_BUILD=1 to skip). Arguments after
 * `npm run bench --` are passed to each benchmark (e.g. `--requests 500`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as overhead from './overhead.js';
import * as observability from './observability.js';
import * as limits from './limits.js';
import * as cacheLatency from './cacheLatency.js';
import * as cacheQuality from './cacheQuality.js';
import * as perf from './perf.js';

interface Benchmark {
  name: string;
  run(argv: string[]): Promise<void>;
}

const benchmarks: Benchmark[] = [overhead, observability, limits, cacheLatency, cacheQuality, perf];

async function main(): Promise<void> {
  const root = resolve(import.meta.dirname, '..');
  const buildScript = resolve(root, 'scripts', 'build.mjs');
  if (!process.env.BENCH_NO_BUILD && existsSync(buildScript)) {
    const built = spawnSync(process.execPath, [buildScript, '--if-needed'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) throw new Error(`build failed (exit ${built.status ?? built.signal})`);
  }
  const argv = process.argv.slice(2);
  const only = process.env.BENCH_ONLY?.split(',');
  for (const b of benchmarks) {
    if (only && !only.includes(b.name)) continue;
    console.log(`\n=== ${b.name} ===`);
    await b.run(argv);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
