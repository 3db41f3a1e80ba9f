/**
 * The embedded store: entries persisted in the data folder with vectra (the design's choice), used only for
 * persistence — lookups are answered by the in-memory index in front of it.
 *
 * vectra's measured limits, and how they are handled here:
 * - every update clones the whole index and rewrites one JSON file (≈1 s per single insert at 10k entries):
 *   writes are queued and written in one batch every `flushMs`, never on the request path;
 * - the write is not atomic, so a crash can leave a torn file: on load a damaged index is moved aside and the
 *   cache starts empty with a warning instead of failing the daemon;
 * - it keeps everything in memory and scans by brute force: it is never queried.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { LocalIndex } from 'vectra/lib/LocalIndex.js';
import type { Logger } from '../../log.js';
import type { CacheEntry } from '../entry.js';
import type { CacheStore } from './store.js';

type Meta = { entry: string };

export interface EmbeddedStoreOptions {
  /** Folder of the index (`<data folder>/cache/index`). */
  folder: string;
  flushMs: number;
  log: Logger;
  now?: () => number;
}

export class EmbeddedStore implements CacheStore {
  readonly kind = 'embedded' as const;
  private index?: LocalIndex<Meta>;
  private readonly pendingPut = new Map<string, CacheEntry>();
  private readonly pendingDelete = new Set<string>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly opts: EmbeddedStoreOptions) {
    this.now = opts.now ?? Date.now;
  }

  async load(): Promise<CacheEntry[]> {
    // Loaded lazily: vectra pulls in an NLP model for its BM25 search, which only this store needs.
    const { LocalIndex } = await import('vectra/lib/LocalIndex.js');
    const index = new LocalIndex<Meta>(this.opts.folder);
    this.index = index;
    if (!(await index.isIndexCreated())) {
      await mkdir(path.dirname(this.opts.folder), { recursive: true });
      await index.createIndex({ version: 1, deleteIfExists: true });
      return [];
    }
    let items;
    try {
      items = await index.listItems();
    } catch (e) {
      const aside = `${this.opts.folder}.damaged-${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}`;
      this.opts.log.warn('cache index is damaged (torn write?): starting with an empty cache', { error: e, movedTo: aside });
      if (existsSync(this.opts.folder)) await rename(this.opts.folder, aside);
      const fresh = new LocalIndex<Meta>(this.opts.folder);
      await fresh.createIndex({ version: 1, deleteIfExists: true });
      this.index = fresh;
      return [];
    }
    const now = this.now();
    const entries: CacheEntry[] = [];
    for (const item of items) {
      try {
        const entry = JSON.parse(item.metadata.entry) as CacheEntry;
        if (entry.staleUntil <= now) this.pendingDelete.add(entry.id);
        else entries.push(item.vector.length ? { ...entry, vector: item.vector } : entry);
      } catch {
        this.pendingDelete.add(item.id);
      }
    }
    if (this.pendingDelete.size) this.schedule();
    return entries.sort((a, b) => a.createdAt - b.createdAt);
  }

  put(entry: CacheEntry): void {
    this.pendingDelete.delete(entry.id);
    this.pendingPut.set(entry.id, entry);
    this.schedule();
  }

  delete(ids: string[]): void {
    for (const id of ids) {
      this.pendingPut.delete(id);
      this.pendingDelete.add(id);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch((e: unknown) => this.opts.log.warn('cache index write failed', { error: e }));
    }, this.opts.flushMs);
    this.timer.unref();
  }

  /** Writes every queued change in one vectra update (one file rewrite). */
  flush(): Promise<void> {
    this.flushing = this.flushing.catch(() => {}).then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    const index = this.index;
    if (!index || (this.pendingPut.size === 0 && this.pendingDelete.size === 0)) return;
    const puts = [...this.pendingPut.values()];
    const deletes = [...this.pendingDelete];
    this.pendingPut.clear();
    this.pendingDelete.clear();
    await index.beginUpdate();
    try {
      for (const id of deletes) await index.deleteItem(id);
      for (const e of puts) {
        const { vector, ...rest } = e;
        await index.upsertItem({ id: e.id, vector: vector ?? [], metadata: { entry: JSON.stringify(rest) } });
      }
      await index.endUpdate();
    } catch (err) {
      index.cancelUpdate();
      // Keep the changes for the next flush rather than lose them.
      for (const e of puts) if (!this.pendingPut.has(e.id) && !this.pendingDelete.has(e.id)) this.pendingPut.set(e.id, e);
      for (const id of deletes) if (!this.pendingPut.has(id)) this.pendingDelete.add(id);
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
