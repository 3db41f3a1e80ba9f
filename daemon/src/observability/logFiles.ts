/**
 * The request log on disk: JSON-line files under `<home>/logs/requests/`, appended in batches, rotated by
 * size and by day, and pruned by age and total size. Readers go newest file first.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { open, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
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

  /** Every stored line, newest file first, lines newest first within each file. */
  async *linesNewestFirst(): AsyncGenerator<string> {
    for (const file of this.list().reverse()) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        continue; // pruned meanwhile
      }
      const lines = text.split('\n');
      for (let i = lines.length - 1; i >= 0; i--) if (lines[i]) yield lines[i] as string;
    }
  }

  /** Total bytes on disk (for tests and status). */
  totalBytes(): number {
    return this.list().reduce((n, f) => n + statSync(f).size, 0);
  }
}

function stamp(ms: number): { day: string; time: string } {
  const iso = new Date(ms).toISOString(); // 2025-01-31T12:34:56.789Z
  return { day: iso.slice(0, 10).replaceAll('-', ''), time: iso.slice(11, 19).replaceAll(':', '') };
}
