/**
 * Where cache entries live beyond this process. The in-memory cache (responseCache.ts) answers every lookup;
 * a store persists entries (embedded: the data folder) or shares them between replicas (Redis).
 */
import type { CacheEntry } from '../entry.js';

export interface StoreEvents {
  /** An entry written by another replica. */
  put(entry: CacheEntry): void;
  /** Entries removed by another replica (invalidation, eviction). */
  delete(ids: string[]): void;
}

export interface CacheStore {
  readonly kind: 'embedded' | 'redis';
  /** Every entry that has not passed its stale deadline, oldest first. */
  load(): Promise<CacheEntry[]>;
  /** Starts delivering other replicas' changes (shared stores only). */
  subscribe?(events: StoreEvents): void;
  /**
   * Hands the store the holder's live entries (a store that rewrites its files from time to time reads them
   * there instead of keeping a second copy in memory).
   */
  useLiveEntries?(entries: () => Iterable<CacheEntry>): void;
  /** Off the request path: implementations queue and write in the background. */
  put(entry: CacheEntry): void;
  delete(ids: string[]): void;
  /** Writes what is queued. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
