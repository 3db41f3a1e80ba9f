/** Virtual keys in `<home>/keys.json` (0600, atomic rename), held in memory; the embedded KeyStore. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyRecord } from '../keys/keyRecord.js';
import type { KeyStore } from '../keys/keyStore.js';
import { writeFileAtomic } from './home.js';

export class FileKeyStore implements KeyStore {
  private readonly file: string;
  private readonly records = new Map<string, KeyRecord>();
  private readonly hashes = new Map<string, string>();

  constructor(home: string) {
    this.file = path.join(home, 'keys.json');
    try {
      for (const r of JSON.parse(readFileSync(this.file, 'utf8')) as KeyRecord[]) this.index(r);
    } catch {
      // No keys yet.
    }
  }

  async byHash(hash: string): Promise<KeyRecord | undefined> {
    const id = this.hashes.get(hash);
    return id === undefined ? undefined : this.records.get(id);
  }

  async byId(id: string): Promise<KeyRecord | undefined> {
    return this.records.get(id);
  }

  async list(): Promise<KeyRecord[]> {
    return [...this.records.values()];
  }

  async put(record: KeyRecord, previousHash?: string): Promise<void> {
    if (previousHash) this.hashes.delete(previousHash);
    this.index(record);
    writeFileAtomic(this.file, JSON.stringify([...this.records.values()], null, 2) + '\n');
  }

  private index(r: KeyRecord): void {
    this.records.set(r.id, r);
    this.hashes.set(r.hash, r.id);
  }
}
