/**
 * CPU per line of an append-only log written with FileHandle.write, by lines per write: why the request log
 * (daemon/src/observability/boundedQueue.ts) collects a batch for 100 ms instead of writing after every turn.
 * CPU is the whole process's (user + system, the libuv thread's write included).
 *
 * Run: `node bench/fileWrites.mjs`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'sb-filewrites-'));
const fh = await open(join(dir, 'log.jsonl'), 'a');
// About a request record's size.
const line = `${JSON.stringify({ record: 'x'.repeat(900) })}\n`;
const lines = 6000;
try {
  for (const perWrite of [1, 2, 10, 50]) {
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < lines / perWrite; i++) await fh.write(line.repeat(perWrite));
    const cpu = process.cpuUsage(cpu0);
    console.log(`${String(perWrite).padStart(2)} lines per write: ${((cpu.user + cpu.system) / lines).toFixed(1)} µs of CPU per line`);
  }
} finally {
  await fh.close();
  rmSync(dir, { recursive: true, force: true });
}
