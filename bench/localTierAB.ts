/**
 * The local tier through two or more builds of the daemon in the same minutes: tokens/s of streamed
 * generations (the suite's, bench/perf/localTier.ts) through each build in turn, 3 per build per round, the
 * order alternating, after 12 warm-up generations each. What a change on the stream path does to the local
 * tier, where the suite's ratio to node-llama-cpp direct moves by ±10 % between runs.
 *
 * Run: `node --import tsx bench/localTierAB.ts [--rounds 8] --variant NAME=CLI … [--variant NAME=]` (an empty CLI
 * is this build's dist/daemon/cli.js; needs `npm run build`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonUnderTest } from './daemonProcess.js';
import { startSwitchboard } from './perf.js';
import { localModelPresent, localTierYaml, viaGateway, waitLocalReady } from './perf/localTier.js';
import { startUpstreamProcess } from './perf/upstreamProcess.js';
import { percentile, table } from './stats.js';

const args = process.argv.slice(2);
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 8;
const variants = args.flatMap((a, i) => (a === '--variant' ? [args[i + 1]!.split('=') as [string, string]] : []));
if (variants.length < 2) throw new Error('give at least two --variant NAME=CLI (an empty CLI is this build)');
if (!localModelPresent()) throw new Error('the local model (../shared/models) is missing');

const upstream = await startUpstreamProcess({ delayMs: 0, chunkDelayMs: 0 });
const dir = mkdtempSync(join(tmpdir(), 'sb-local-ab-'));
const daemons: { name: string; d: DaemonUnderTest; rates: number[] }[] = [];
try {
  for (const [name, cli] of variants) {
    const d = await startSwitchboard(upstream, dir, name.replace(/\W+/g, '-'), localTierYaml(), cli ? { cli } : {});
    daemons.push({ name, d, rates: [] });
    await waitLocalReady(d);
  }
  for (let i = 0; i < 12; i++) for (const v of daemons) await viaGateway(v.d, 256);
  for (let r = 0; r < rounds; r++) {
    for (const v of r % 2 ? [...daemons].reverse() : daemons) {
      for (let i = 0; i < 3; i++) {
        const g = await viaGateway(v.d, 256);
        v.rates.push(g.tokens / g.seconds);
      }
    }
  }
  const base = percentile(daemons[0]!.rates, 0.5);
  console.log(
    table(
      ['build', 'tokens/s median', 'min / max', `÷ ${daemons[0]!.name}`],
      daemons.map((v) => [v.name, percentile(v.rates, 0.5).toFixed(0), `${Math.min(...v.rates).toFixed(0)} / ${Math.max(...v.rates).toFixed(0)}`, (percentile(v.rates, 0.5) / base).toFixed(3)]),
    ),
  );
} finally {
  for (const v of daemons) await v.d.stop();
  await upstream.stop();
}
