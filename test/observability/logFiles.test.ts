/** The request log's files read backwards (LogFiles.linesNewestFirst) against reading them whole. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogFiles } from '../../daemon/src/observability/logFiles.js';

describe('observability/logFiles: reading newest first', () => {
  it('yields every line of every file, newest first, across read chunks, multi-byte characters and rotations', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-logfiles-'));
    try {
      const files = new LogFiles({ dir, maxFileBytes: 900_000, retentionDays: 30, maxTotalBytes: 1e9 });
      let seed = 9;
      const r = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
      const written: string[] = [];
      for (let batch = 0; batch < 40; batch++) {
        const lines = Array.from({ length: 50 }, (_, i) => {
          // Lines of 0 to ~4,000 characters, some with multi-byte characters, so lines and characters cross the
          // 256 KB read chunks at every kind of place.
          const body = 'é漢x😀'.repeat(Math.floor(r() * 400)) + 'y'.repeat(Math.floor(r() * 2000));
          return JSON.stringify({ n: batch * 50 + i, body });
        });
        written.push(...lines);
        await files.append(lines.map((l) => `${l}\n`));
      }
      await files.close();
      assert.ok(files.list().length >= 3, `rotated into ${files.list().length} files`);
      const read: string[] = [];
      for await (const line of files.linesNewestFirst()) read.push(line);
      assert.equal(read.length, written.length);
      assert.deepEqual(read, written.slice().reverse());
      // The same as reading each file whole.
      const whole = files.list().reverse().flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).reverse());
      assert.deepEqual(read, whole);
      // A reader that stops early (the dashboard's last 50) closes what it opened and can read again.
      let taken = 0;
      for await (const _ of files.linesNewestFirst()) if (++taken === 50) break;
      const again = files.linesNewestFirst();
      assert.equal((await again.next()).value, written.at(-1));
      await again.return(undefined); // as a for-await that breaks does: the file is closed
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
