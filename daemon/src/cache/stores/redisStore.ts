/**
 * The shared store: every replica keeps its own in-memory index and shares entries through Redis. Each entry
 * is one key (expiring when it goes stale); a stream logs every put and delete, so a starting replica replays
 * it to build its index and running replicas follow it with a blocking read (a new entry reaches the others
 * in milliseconds).
 */
import { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import type { CacheEntry } from '../entry.js';
import type { CacheStore, StoreEvents } from './store.js';

export interface RedisStoreOptions {
  url: string;
  prefix: string;
  log: Logger;
  now?: () => number;
  /** Longest the stream log grows to (approximate trimming). */
  maxLog?: number;
}

export class RedisStore implements CacheStore {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private reader?: Redis;
  private lastId = '0-0';
  private closed = false;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly now: () => number;
  private readonly logKey: string;

  constructor(private readonly opts: RedisStoreOptions) {
    this.now = opts.now ?? Date.now;
    this.logKey = `${opts.prefix}log`;
    this.client = new Redis(opts.url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000 });
    this.client.on('error', (e: Error) => opts.log.warn('cache redis connection error', { error: e }));
  }

  private entryKey(id: string): string {
    return `${this.opts.prefix}e:${id}`;
  }

  async load(): Promise<CacheEntry[]> {
    const log = (await this.client.xrange(this.logKey, '-', '+')) as [string, string[]][];
    const live = new Set<string>();
    for (const [id, fields] of log) {
      this.lastId = id;
      const op = fieldsOf(fields);
      if (op.op === 'put' && op.id) live.add(op.id);
      if (op.op === 'del' && op.ids) for (const x of op.ids.split(',')) live.delete(x);
    }
    const ids = [...live];
    const out: CacheEntry[] = [];
    const now = this.now();
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const values = await this.client.mget(batch.map((x) => this.entryKey(x)));
      for (const v of values) {
        const e = parse(v);
        if (e && e.staleUntil > now) out.push(e);
      }
    }
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  subscribe(events: StoreEvents): void {
    this.reader = this.client.duplicate();
    this.reader.on('error', (e: Error) => this.opts.log.warn('cache redis connection error', { error: e }));
    void this.follow(events);
  }

  private async follow(events: StoreEvents): Promise<void> {
    while (!this.closed) {
      try {
        const res = (await this.reader!.xread('BLOCK', 1000, 'STREAMS', this.logKey, this.lastId)) as [string, [string, string[]][]][] | null;
        for (const [, items] of res ?? []) {
          for (const [id, fields] of items) {
            this.lastId = id;
            const op = fieldsOf(fields);
            if (op.op === 'put' && op.id) {
              const e = parse(await this.client.get(this.entryKey(op.id)));
              if (e) events.put(e);
            } else if (op.op === 'del' && op.ids) events.delete(op.ids.split(','));
          }
        }
      } catch (e) {
        if (this.closed) return;
        this.opts.log.warn('cache redis follow failed; retrying', { error: e });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  put(entry: CacheEntry): void {
    const ttl = Math.max(1, entry.staleUntil - this.now());
    this.track(
      this.client
        .multi()
        .set(this.entryKey(entry.id), JSON.stringify(entry), 'PX', ttl)
        .xadd(this.logKey, 'MAXLEN', '~', String(this.opts.maxLog ?? 200_000), '*', 'op', 'put', 'id', entry.id)
        .exec(),
    );
  }

  delete(ids: string[]): void {
    if (ids.length === 0) return;
    this.track(
      this.client
        .multi()
        .del(...ids.map((x) => this.entryKey(x)))
        .xadd(this.logKey, 'MAXLEN', '~', String(this.opts.maxLog ?? 200_000), '*', 'op', 'del', 'ids', ids.join(','))
        .exec(),
    );
  }

  private track(p: Promise<unknown>): void {
    const t = p.catch((e: unknown) => this.opts.log.warn('cache redis write failed', { error: e }));
    this.inflight.add(t);
    void t.finally(() => this.inflight.delete(t));
  }

  async flush(): Promise<void> {
    await Promise.all([...this.inflight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.reader?.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

function fieldsOf(fields: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) o[fields[i]!] = fields[i + 1]!;
  return o;
}

function parse(v: string | null | undefined): CacheEntry | undefined {
  if (!v) return undefined;
  try {
    return JSON.parse(v) as CacheEntry;
  } catch {
    return undefined;
  }
}
