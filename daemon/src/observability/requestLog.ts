/**
 * The request log: records are queued (bounded, drops counted), written in batches to rotating files, and
 * read back by queries and by followers (`switchboard logs -f`), with feedback joined at read time.
 */
import type { RequestRecord } from '../protocol/observability.js';
import { BoundedQueue } from './boundedQueue.js';
import { LogFiles, type LogFilesOptions } from './logFiles.js';
import type { RecordFilter } from './logQuery.js';

export type Follower = (record: RequestRecord) => void;

const LOG_BATCH_MS = 100;

export class RequestLog {
  private readonly files: LogFiles;
  private readonly queue: BoundedQueue<RequestRecord>;
  private readonly followers = new Set<Follower>();
  written = 0;

  constructor(opts: LogFilesOptions & { queueSize: number; onError(e: unknown): void }) {
    this.files = new LogFiles(opts);
    this.queue = new BoundedQueue<RequestRecord>(
      opts.queueSize,
      async (batch) => {
        await this.files.append(batch.map((r) => `${JSON.stringify(r)}\n`));
        this.written += batch.length;
      },
      opts.onError,
      // Records reach the disk within 100 ms (followers get them at once; a query or close() flushes first),
      // so a batch holds tens of records under load instead of one or two.
      LOG_BATCH_MS,
    );
  }

  get dropped(): number {
    return this.queue.dropped;
  }

  /** Never waits: the record is queued, or dropped and counted when the queue is full. */
  write(record: RequestRecord): boolean {
    for (const f of this.followers) f(record);
    return this.queue.push(record);
  }

  follow(f: Follower): () => void {
    this.followers.add(f);
    return () => this.followers.delete(f);
  }

  /** Newest first, up to `limit`. Waits for queued records to reach the disk first, so a query sees them. */
  async query(filter: RecordFilter, limit: number): Promise<RequestRecord[]> {
    await this.queue.flush();
    const out: RequestRecord[] = [];
    for await (const line of this.files.linesNewestFirst()) {
      let r: RequestRecord;
      try {
        r = JSON.parse(line) as RequestRecord;
      } catch {
        continue; // a torn last line after a crash
      }
      if (filter.since !== undefined && Date.parse(r.time) < filter.since - 60_000) break; // a minute of slack: lines are written in end order
      if (!filter.matches(r)) continue;
      out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.queue.flush();
    await this.files.close();
  }
}
