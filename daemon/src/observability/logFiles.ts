/**
 * The request log on disk: JSON-line files under `<home>/logs/requests/`, appended in batches, rotated by
 * size and by day, and pruned by age and total size. Readers go newest file first.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface LogFilesOptions {
  dir: string;
  maxFileBytes: number;
  retentionDays: number;
  maxTotalBytes: number;
  now?: () => number;
}

const NAME = /^requests-(\d{8})-(\d{6})-(\d+)\.jsonl$/;

export class LogFiles {
  private handle: FileHandle | undefined;
  private current: { file: string; size: number; day: string } | undefined;
  private seq = 0;
  private readonly now: () => number;

  constructor(private readonly opts: LogFilesOptions) {
    this.now = opts.now ?? Date.now;
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  }

  /** Log files, oldest first (names sort by time). */
  list(): string[] {
    return readdirSync(this.opts.dir)
      .filter((n) => NAME.test(n))
      .sort()
      .map((n) => path.join(this.opts.dir, n));
  }

  /**
   * Appends `lines` (each ending in a newline) in as few writes as the files allow: a batch that fills the
   * current file goes on in a new one, so files rotate at the same records as if each had come alone.
   */
  async append(lines: readonly string[]): Promise<void> {
    const day = stamp(this.now()).day;
    let text = '';
    let bytes = 0;
    for (const line of lines) {
      if (!this.current || this.current.size + bytes >= this.opts.maxFileBytes || this.current.day !== day) {
        await this.write(text, bytes);
        [text, bytes] = ['', 0];
        await this.rotate();
      }
      text += line;
      bytes += Buffer.byteLength(line);
    }
    await this.write(text, bytes);
  }

  private async write(text: string, bytes: number): Promise<void> {
    if (!text) return;
    await (this.handle as FileHandle).write(text);
    (this.current as { size: number }).size += bytes;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    this.current = undefined;
  }

  private async rotate(): Promise<void> {
    await this.close();
    const { day, time } = stamp(this.now());
    const file = path.join(this.opts.dir, `requests-${day}-${time}-${String(this.seq++).padStart(6, '0')}.jsonl`);
    this.handle = await open(file, 'a', 0o600);
    this.current = { file, size: 0, day };
    await this.prune();
  }

  /** Deletes files past the retention age, then the oldest ones while the total exceeds the cap. */
  async prune(): Promise<void> {
    const files = this.list().filter((f) => f !== this.current?.file);
    const cutoff = this.now() - this.opts.retentionDays * 86_400_000;
    const kept: { file: string; size: number }[] = [];
    for (const file of files) {
      const s = await stat(file).catch(() => undefined);
      if (!s) continue;
      if (s.mtimeMs < cutoff) await rm(file, { force: true });
      else kept.push({ file, size: s.size });
    }
    let total = kept.reduce((n, f) => n + f.size, 0) + (this.current?.size ?? 0);
    for (const f of kept) {
      if (total <= this.opts.maxTotalBytes) break;
      await rm(f.file, { force: true });
      total -= f.size;
    }
  }

  /**
   * Every stored line, newest file first, lines newest first within each file, read backwards a chunk at a time:
   * the dashboard asks for the last 50 records every 2 s, and reading a whole file for them (up to
   * `maxFileBytes`, 64 MB) decoded and split megabytes on the event loop at every poll.
   */
  async *linesNewestFirst(): AsyncGenerator<string> {
    for (const file of this.list().reverse()) {
      let fh: FileHandle;
      try {
        fh = await open(file, 'r');
      } catch {
        continue; // pruned meanwhile
      }
      try {
        let end = (await fh.stat()).size;
        // The bytes after `end` up to the first line break: the end of a line whose start is not read yet.
        let pending = Buffer.alloc(0);
        while (end > 0) {
          const start = Math.max(0, end - READ_BACK_BYTES);
          const chunk = Buffer.allocUnsafe(end - start);
          for (let got = 0; got < chunk.length; ) {
            const { bytesRead } = await fh.read(chunk, got, chunk.length - got, start + got);
            if (bytesRead === 0) throw new Error(`${file} shrank while it was read`);
            got += bytesRead;
          }
          const data = pending.length ? Buffer.concat([chunk, pending]) : chunk;
          // Every line after the first line break is whole (a line break never sits inside a UTF-8 character).
          let stop = data.length;
          for (let nl = data.lastIndexOf(0x0a, stop - 1); nl >= 0; nl = stop > 0 ? data.lastIndexOf(0x0a, stop - 1) : -1) {
            if (stop > nl + 1) yield data.toString('utf8', nl + 1, stop);
            stop = nl;
          }
          pending = data.subarray(0, stop);
          end = start;
        }
        if (pending.length) yield pending.toString('utf8');
      } finally {
        await fh.close();
      }
    }
  }

  /** Total bytes on disk (for tests and status). */
  totalBytes(): number {
    return this.list().reduce((n, f) => n + statSync(f).size, 0);
  }
}

/** Bytes read at a time when reading a log file backwards. */
const READ_BACK_BYTES = 256 * 1024;

function stamp(ms: number): { day: string; time: string } {
  const iso = new Date(ms).toISOString(); // 2025-01-31T12:34:56.789Z
  return { day: iso.slice(0, 10).replaceAll('-', ''), time: iso.slice(11, 19).replaceAll(':', '') };
}
