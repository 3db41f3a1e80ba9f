/**
 * The embedded store: entries persisted in the data folder, used only for persistence — lookups are answered by
 * the in-memory cache in front of it, which also holds the only copy of the live entries in memory.
 *
 * On disk (`<data folder>/cache/`):
 * - `index/index.json`, a snapshot in vectra's format (the design's choice; see vectraSnapshot.ts), rewritten
 *   only by a compaction;
 * - `index.journal`, every put and delete since that snapshot, appended once per flush batch (journal.ts).
 *
 * So a flush costs what it appends (≈1 KB per entry), whatever the size of the cache. Once the journal holds
 * more operations than max(1,000, 4 × entries in the snapshot) or more bytes than max(32 MB, the snapshot), the
 * next flush compacts: the live entries (from the cache, see `useLiveEntries`; else snapshot + journal) are
 * written as a fresh snapshot in chunks that yield to the event loop, swapped in by renames, and the journal is
 * emptied (snapshotSwap.ts says why a crash at any step loses nothing flushed). Compaction runs on the flush
 * timer, never on the request path.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../log.js';
import type { CacheEntry } from '../entry.js';
import { Journal, replay, type JournalOp } from './journal.js';
import { dropPrevious, nextFolder, recoverSwap, swapIn } from './snapshotSwap.js';
import type { CacheStore } from './store.js';
import { readSnapshot, SnapshotDamagedError, writeSnapshot } from './vectraSnapshot.js';

export interface EmbeddedStoreOptions {
  /** Folder of the snapshot (`<data folder>/cache/index`); the journal is `<folder>.journal`. */
  folder: string;
  flushMs: number;
  log: Logger;
  now?: () => number;
  /** Compaction bounds: more journal operations than max(compactMinOps, 4 × snapshot entries) … */
  compactMinOps?: number;
  /** … or more journal bytes than max(compactMinBytes, snapshot bytes). */
  compactMinBytes?: number;
}

/** After a failed compaction (a full disk?), flushes keep appending and the next try waits this long. */
const COMPACT_RETRY_MS = 60_000;

export class EmbeddedStore implements CacheStore {
  readonly kind = 'embedded' as const;
  private readonly journal: Journal;
  private readonly pendingPut = new Map<string, CacheEntry>();
  private readonly pendingDelete = new Set<string>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private live?: () => Iterable<CacheEntry>;
  private state: 'new' | 'loaded' | 'failed' = 'new';
  private snapshotEntries = 0;
  private snapshotBytes = 0;
  /** Snapshot items load dropped (stale, undecodable): garbage a compaction reclaims, counted like journal ops. */
  private dropped = 0;
  private compactNotBefore = 0;

  constructor(private readonly opts: EmbeddedStoreOptions) {
    this.now = opts.now ?? Date.now;
    this.journal = new Journal(`${opts.folder}.journal`);
  }

  /**
   * The holder's live entries, read at each compaction instead of re-reading snapshot + journal. The holder must
   * have taken in everything `load()` returned before the next timer turn (the response cache inserts them at once).
   */
  useLiveEntries(entries: () => Iterable<CacheEntry>): void {
    this.live = entries;
  }

  async load(): Promise<CacheEntry[]> {
    try {
      return await this.open();
    } catch (e) {
      // The holder starts empty; persisting on top of a store that could not be read would lose what it holds.
      this.state = 'failed';
      this.pendingPut.clear();
      this.pendingDelete.clear();
      throw e;
    }
  }

  private async open(): Promise<CacheEntry[]> {
    const { folder, log } = this.opts;
    await mkdir(path.dirname(folder), { recursive: true });
    const recovered = await recoverSwap(folder);
    if (recovered) log.warn(`cache index: ${recovered}`, { folder });
    let snapshot;
    try {
      snapshot = await readSnapshot(folder);
    } catch (e) {
      if (!(e instanceof SnapshotDamagedError)) throw e;
      const aside = `${folder}.damaged-${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}`;
      log.warn('cache index is damaged (torn write?): starting with an empty cache', { error: e, movedTo: aside });
      await rename(folder, aside);
      // Its journal goes with it: without the snapshot under it, its deletes and puts describe nothing whole.
      if (existsSync(this.journal.file)) await rename(this.journal.file, path.join(aside, 'journal'));
    }
    if (!snapshot) {
      // A journal without a snapshot (first start after a crash in the very first swap) is kept and replayed.
      await this.replaceSnapshot([], false);
      snapshot = { entries: [], skipped: 0, bytes: this.snapshotBytes };
    }
    this.snapshotEntries = snapshot.entries.length + snapshot.skipped;
    this.snapshotBytes = snapshot.bytes;
    const byId = new Map(snapshot.entries.map((e) => [e.id, e]));
    const read = await this.journal.read();
    if (read.tornBytes) log.warn('cache journal: ignored a torn last line (crash mid-write?)', { bytes: read.tornBytes });
    if (read.badLines) log.warn('cache journal: skipped lines that do not decode', { lines: read.badLines });
    replay(byId, read.ops);
    const now = this.now();
    const entries = [...byId.values()].filter((e) => e.staleUntil > now);
    this.dropped = snapshot.skipped + byId.size - entries.length;
    this.state = 'loaded';
    if (this.pendingPut.size || this.pendingDelete.size || this.shouldCompact()) this.schedule();
    return entries.sort((a, b) => a.createdAt - b.createdAt);
  }

  put(entry: CacheEntry): void {
    if (this.state === 'failed') return;
    this.pendingDelete.delete(entry.id);
    this.pendingPut.set(entry.id, entry);
    this.schedule();
  }

  delete(ids: string[]): void {
    if (this.state === 'failed') return;
    for (const id of ids) {
      this.pendingPut.delete(id);
      this.pendingDelete.add(id);
    }
    if (ids.length) this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch((e: unknown) => this.opts.log.warn('cache journal write failed', { error: e }));
    }, this.opts.flushMs);
    this.timer.unref();
  }

  /** Appends every queued change to the journal in one write, then compacts if the journal is past its bound. */
  flush(): Promise<void> {
    return this.serialized(async () => {
      await this.append();
      if (this.shouldCompact()) await this.compactOrWarn();
    });
  }

  /** Flushes, then compacts whatever the journal holds (the benchmark and tests; the store does it on its own). */
  compact(): Promise<void> {
    return this.serialized(async () => {
      await this.append();
      if (this.state === 'loaded') await this.compactNow();
    });
  }

  /** One write at a time: appends, compactions and their renames never interleave. */
  private serialized(step: () => Promise<void>): Promise<void> {
    this.flushing = this.flushing.catch(() => {}).then(step);
    return this.flushing;
  }

  private async append(): Promise<void> {
    if (this.state !== 'loaded' || (this.pendingPut.size === 0 && this.pendingDelete.size === 0)) return;
    const puts = [...this.pendingPut.values()];
    const deletes = [...this.pendingDelete];
    this.pendingPut.clear();
    this.pendingDelete.clear();
    const ops: JournalOp[] = [...deletes.map((id) => ({ op: 'del' as const, id })), ...puts.map((entry) => ({ op: 'put' as const, id: entry.id, entry }))];
    try {
      await this.journal.append(ops);
    } catch (err) {
      // Keep the changes for the next flush rather than lose them (a repeated op is harmless on replay).
      for (const e of puts) if (!this.pendingPut.has(e.id) && !this.pendingDelete.has(e.id)) this.pendingPut.set(e.id, e);
      for (const id of deletes) if (!this.pendingPut.has(id)) this.pendingDelete.add(id);
      this.schedule();
      throw err;
    }
  }

  private shouldCompact(): boolean {
    if (this.state !== 'loaded' || this.now() < this.compactNotBefore) return false;
    const ops = this.journal.ops + this.dropped;
    // A miss on a full cache appends a put and a delete: four times the entries in operations is about twice as
    // many new entries as the snapshot holds (a journal line is less than half a snapshot item's bytes). Each
    // compaction rewrites every entry, so fewer of them is what keeps its cost per request small: one entry
    // rewritten per two misses at 4×, two per miss at 1×.
    const maxOps = Math.max(this.opts.compactMinOps ?? 1000, 4 * this.snapshotEntries);
    const maxBytes = Math.max(this.opts.compactMinBytes ?? 32 * 1024 * 1024, this.snapshotBytes);
    return ops > maxOps || this.journal.bytes > maxBytes;
  }

  private async compactOrWarn(): Promise<void> {
    try {
      await this.compactNow();
    } catch (e) {
      this.compactNotBefore = this.now() + COMPACT_RETRY_MS;
      this.opts.log.warn('cache index compaction failed: the journal keeps growing until the next try', { error: e });
      await rm(nextFolder(this.opts.folder), { recursive: true, force: true }).catch(() => {});
    }
  }

  private async compactNow(): Promise<void> {
    const started = performance.now();
    const ops = this.journal.ops;
    await this.replaceSnapshot(await this.liveEntries(), true);
    this.dropped = 0;
    this.opts.log.info('cache index compacted', { entries: this.snapshotEntries, journalOps: ops, bytes: this.snapshotBytes, ms: Math.round(performance.now() - started) });
  }

  /** Writes `entries` as the new snapshot next to the old one, swaps it in, and only then empties the journal. */
  private async replaceSnapshot(entries: Iterable<CacheEntry>, clearJournal: boolean): Promise<void> {
    const { folder } = this.opts;
    await rm(nextFolder(folder), { recursive: true, force: true });
    const { bytes, items } = await writeSnapshot(nextFolder(folder), entries);
    await swapIn(folder);
    if (clearJournal) await this.journal.clear();
    await dropPrevious(folder);
    this.snapshotEntries = items;
    this.snapshotBytes = bytes;
  }

  /**
   * What a compaction writes: the holder's entries or the files'. The holder's are read lazily, a chunk per
   * event-loop turn while the snapshot is written (one pass over 10,000 entries held a busy daemon for ~150 ms),
   * so changes made meanwhile may or may not be in the snapshot; either way is right, because they are also
   * queued and appended to the emptied journal after the swap (flushes are serialized behind the compaction),
   * and replaying a put or delete over a snapshot that already has it changes nothing.
   */
  private async liveEntries(): Promise<Iterable<CacheEntry>> {
    const now = this.now();
    const live = this.live;
    if (live) {
      return (function* () {
        // An entry put again meanwhile moves to the end of the holder's map and would come round twice.
        const seen = new Set<string>();
        for (const e of live()) {
          if (e.staleUntil <= now || seen.has(e.id)) continue;
          seen.add(e.id);
          yield e;
        }
      })();
    }
    const byId = new Map<string, CacheEntry>((await readSnapshot(this.opts.folder))?.entries.map((e) => [e.id, e]));
    replay(byId, (await this.journal.read()).ops);
    return [...byId.values()].filter((e) => e.staleUntil > now).sort((a, b) => a.createdAt - b.createdAt);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
