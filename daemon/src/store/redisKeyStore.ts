/**
 * Virtual keys in Redis, so every replica knows every key: `<prefix>keys` maps id → record JSON,
 * `<prefix>keyhash` maps hash → id. Rotation swaps the hash in one MULTI.
 */
import type { Redis } from 'ioredis';
import type { KeyRecord } from '../keys/keyRecord.js';
import type { KeyStore } from '../keys/keyStore.js';

export class RedisKeyStore implements KeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async byHash(hash: string): Promise<KeyRecord | undefined> {
    const id = await this.redis.hget(`${this.prefix}keyhash`, hash);
    return id ? this.byId(id) : undefined;
  }

  async byId(id: string): Promise<KeyRecord | undefined> {
    const json = await this.redis.hget(`${this.prefix}keys`, id);
    return json ? (JSON.parse(json) as KeyRecord) : undefined;
  }

  async list(): Promise<KeyRecord[]> {
    return Object.values(await this.redis.hgetall(`${this.prefix}keys`)).map((j) => JSON.parse(j) as KeyRecord);
  }

  async put(record: KeyRecord, previousHash?: string): Promise<void> {
    const tx = this.redis.multi().hset(`${this.prefix}keys`, record.id, JSON.stringify(record)).hset(`${this.prefix}keyhash`, record.hash, record.id);
    if (previousHash && previousHash !== record.hash) tx.hdel(`${this.prefix}keyhash`, previousHash);
    const results = await tx.exec();
    const failed = results?.find(([e]) => e);
    if (failed) throw failed[0];
  }
}
