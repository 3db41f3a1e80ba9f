/**
 * The embedded counter store's saves with many levels (per-end-user rate limits on a busy daemon): fills it with
 * N end users' request and token buckets, then lets it save 8 times and reports the longest event-loop delay
 * meanwhile (`monitorEventLoopDelay`, 1 ms resolution): what a request waits behind a save.
 *
 * Run: `node --import tsx bench/counterSave.ts [--users 10000]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { EmbeddedAccounting } from '../daemon/src/store/embeddedAccounting.js';

const i = process.argv.indexOf('--users');
const users = i >= 0 ? Number(process.argv[i + 1]) : 10_000;
const home = mkdtempSync(join(tmpdir(), 'sb-countersave-'));
const store = new EmbeddedAccounting({ home });
try {
  const bucket = (id: string, capacity: number) => ({ kind: 'bucket' as const, id, capacity, refillPerMs: 1e-9 });
  for (let u = 0; u < users; u++) {
    await store.reserve([{ counter: bucket(`rl:endUser:user-${u}:req`, 100), amount: 1 }, { counter: bucket(`rl:endUser:user-${u}:tok`, 100_000), amount: 10 }]);
  }
  await new Promise((r) => setTimeout(r, 2000)); // the fill's own saves
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  for (let k = 0; k < 8; k++) {
    await store.reserve([{ counter: bucket('one more', 100), amount: 1 }]); // a change schedules a save
    await new Promise((r) => setTimeout(r, 400));
  }
  delay.disable();
  console.log(`${(users * 2).toLocaleString('en')} levels: longest event-loop delay over 8 saves ${(delay.max / 1e6).toFixed(1)} ms`);
} finally {
  await store.close();
  rmSync(home, { recursive: true, force: true });
}
