/** Follows the daemon's log file and appends what is new to the output channel. */
import * as fs from 'node:fs';

export class LogTail {
  private offset: number;
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  /** Starts at the current end of the file: earlier runs' lines stay in the file, not in the channel. */
  constructor(private readonly file: string, private readonly append: (text: string) => void, private readonly intervalMs = 500) {
    this.offset = sizeOf(file);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    this.timer.unref?.();
  }

  /** Reads whatever has been written since the last poll. */
  poll(): void {
    if (this.reading) return;
    const size = sizeOf(this.file);
    if (size < this.offset) this.offset = 0; // truncated or rotated
    if (size === this.offset) return;
    this.reading = true;
    try {
      const fd = fs.openSync(this.file, 'r');
      try {
        const length = Math.min(size - this.offset, 1 << 20);
        const buffer = Buffer.alloc(length);
        const read = fs.readSync(fd, buffer, 0, length, this.offset);
        this.offset += read;
        this.append(buffer.subarray(0, read).toString('utf8'));
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      // the file went away between stat and open: try again next tick
    } finally {
      this.reading = false;
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
