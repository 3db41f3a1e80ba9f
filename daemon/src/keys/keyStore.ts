import type { KeyRecord } from './keyRecord.js';

/** Where virtual keys live: a file in the data folder (embedded) or Redis (shared by replicas). */
export interface KeyStore {
  byHash(hash: string): Promise<KeyRecord | undefined>;
  byId(id: string): Promise<KeyRecord | undefined>;
  list(): Promise<KeyRecord[]>;
  /** Inserts or replaces the record; `previousHash` is dropped from the index (rotation). */
  put(record: KeyRecord, previousHash?: string): Promise<void>;
}
