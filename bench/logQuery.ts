/**
 * What the dashboard's poll for the last 50 requests costs the event loop when the current request-log file is
 * large (it rotates at 64 MB by default): the log read backwards a chunk at a time (LogFiles.linesNewestFirst)
 * against reading the newest file whole and splitting it, as the log did before. In process, best of 5.
 *
 * Run: `node --import tsx bench/logQuery.ts [--mb 64]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LogFiles } from '../daemon/src/observability/logFiles.js';
import { table } from './stats.js';

const i = process.argv.indexOf('--mb');
const mb = i >= 0 ? Number(process.argv[i + 1]) : 64;
const dir = mkdtempSync(join(tmpdir(), 'sb-logquery-'));
try {
  const files = new LogFiles({ dir, maxFileBytes: (mb + 1) * 1024 * 1024, retentionDays: 30, maxTotalBytes: 1e12 });
  const line = `${JSON.stringify({ id: 'x'.repeat(32), time: new Date().toISOString(), model: 'openai/gpt-4o-mini', attempts: [{ target: 'openai/gpt-4o-mini', outcome: 'ok', ms: 1.2 }], usage: { inputTokens: 12, outputTokens: 34 }, decisions: ['cache: miss'] })}\n`;
  const perBatch = Array.from({ length: 1000 }, () => line);
  while (files.totalBytes() < mb * 1024 * 1024) await files.append(perBatch);
  await files.close();
  const measure = async (take: () => Promise<number>): Promise<[number, number]> => {
    let best: [number, number] = [Infinity, Infinity];
    for (let k = 0; k < 5; k++) {
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const started = performance.now();
      await take();
      const ms = performance.now() - started;
      // The delay of a block is recorded when the monitor's timer next runs: let it.
      await new Promise((r) => setTimeout(r, 5));
      h.disable();
      if (ms < best[0]) best = [ms, h.max / 1e6];
    }
    return best;
  };
  const backwards = await measure(async () => {
    let n = 0;
    for await (const _ of files.linesNewestFirst()) if (++n === 50) break;
    return n;
  });
  const whole = await measure(async () => {
    const text = await readFile(files.list().at(-1)!, 'utf8');
    return text.split('\n').slice(-51).length;
  });
  console.log(`request log of ${mb} MB in one file, the last 50 lines:`);
  console.log(table(['read', 'ms', 'longest event-loop delay, ms'], [
    ['backwards, 256 KB at a time', backwards[0].toFixed(1), backwards[1].toFixed(1)],
    ['the whole file, split (before)', whole[0].toFixed(1), whole[1].toFixed(1)],
  ]));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
