/**
 * Virtual keys: create, list, rotate, revoke, and authenticate a request. The master key administers and may
 * call everything; a virtual key may call model endpoints (`/v1/…`) only, within its scopes. Records are
 * cached briefly so that a shared store is not asked on every request, and a stale record keeps serving while
 * the store is unreachable.
 */
import { hash as cryptoHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AuthenticationError, ForbiddenError, NotFoundError, ServiceUnavailableError } from '../errors.js';
import type { Identity } from '../gateway/context.js';
import type { KeyInfo, KeyCreated, KeySettings } from '../protocol/keys.js';
import { presentedKey } from '../server/security.js';
import { createRecord, hashSecret, keyInfo, keyState, newSecret, displayPrefix, type KeyRecord } from './keyRecord.js';
import type { KeyStore } from './keyStore.js';

export interface KeyServiceOptions {
  store: KeyStore;
  /** Undefined when `server.auth: none`: requests without a key are let in as the master. */
  masterKey?: string;
  /** How long a looked-up record is trusted before the store is asked again (0 = always ask). */
  cacheMs: number;
  now?: () => number;
  onStoreError?: (e: unknown) => void;
}

export class KeyService {
  private readonly byHashCache = new Map<string, { record: KeyRecord; at: number }>();
  private readonly byIdCache = new Map<string, KeyRecord>();
  private readonly masterDigest: Buffer | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: KeyServiceOptions) {
    this.masterDigest = opts.masterKey ? digest(opts.masterKey) : undefined;
    this.now = opts.now ?? Date.now;
  }

  /** Who a TCP request is; throws 401 (no or unknown key) or 403 (key not allowed here). */
  async authenticate(req: IncomingMessage, path: string): Promise<Identity> {
    const presented = presentedKey(req);
    // One SHA-256 per request: compared with the master key's, and (hex) the virtual keys' lookup key.
    const presentedDigest = presented ? digest(presented) : undefined;
    if (presentedDigest && this.masterDigest && timingSafeEqual(presentedDigest, this.masterDigest)) return { keyId: 'master' };
    const record = presentedDigest ? await this.lookup(presentedDigest.toString('hex')) : undefined;
    if (!record) {
      if (!this.masterDigest) return { keyId: 'master' };
      if (!presented) throw new AuthenticationError();
      throw new AuthenticationError('Invalid API key. Use the master key or a virtual key from "switchboard keys create".');
    }
    const state = keyState(record, this.now());
    if (state !== 'active') throw new AuthenticationError(`This API key was ${state === 'revoked' ? 'revoked' : 'valid until ' + record.expiresAt}.`);
    if (!path.startsWith('/v1/')) throw new ForbiddenError(`${path} is an admin endpoint: it needs the master key (or the unix socket).`, 'admin_only');
    if (record.endpoints && !record.endpoints.includes(path)) {
      throw new ForbiddenError(`This key may not call ${path}; it may call ${record.endpoints.join(', ')}.`, 'endpoint_not_allowed');
    }
    return { keyId: record.id, user: record.user, ...(record.team && { team: record.team }) };
  }

  /** The record behind an identity authenticated by this process (scopes, limits, budgets). */
  recordOf(keyId: string): KeyRecord | undefined {
    return this.byIdCache.get(keyId);
  }

  async create(settings: KeySettings): Promise<KeyCreated> {
    const { record, secret } = createRecord(settings, new Date(this.now()));
    await this.opts.store.put(record);
    return { key: keyInfo(record, this.now()), secret };
  }

  async list(): Promise<KeyInfo[]> {
    return (await this.opts.store.list()).sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map((r) => keyInfo(r, this.now()));
  }

  /** A new secret for the same key (same id, scopes, counters); the old secret stops working at once. */
  async rotate(id: string): Promise<KeyCreated> {
    const old = await this.existing(id);
    if (old.revokedAt) throw new ForbiddenError(`Key ${id} is revoked; create a new one.`, 'key_revoked');
    const secret = newSecret();
    const record: KeyRecord = { ...old, hash: hashSecret(secret), prefix: displayPrefix(secret), rotatedAt: new Date(this.now()).toISOString() };
    await this.opts.store.put(record, old.hash);
    this.forget(old);
    return { key: keyInfo(record, this.now()), secret };
  }

  async revoke(id: string): Promise<KeyInfo> {
    const old = await this.existing(id);
    const record: KeyRecord = { ...old, revokedAt: old.revokedAt ?? new Date(this.now()).toISOString() };
    await this.opts.store.put(record);
    this.forget(old);
    return keyInfo(record, this.now());
  }

  private async existing(id: string): Promise<KeyRecord> {
    const r = await this.opts.store.byId(id);
    if (!r) throw new NotFoundError(`No key ${id}.`, 'key_not_found');
    return r;
  }

  private forget(r: KeyRecord): void {
    this.byHashCache.delete(r.hash);
    this.byIdCache.delete(r.id);
  }

  private async lookup(hash: string): Promise<KeyRecord | undefined> {
    const cached = this.byHashCache.get(hash);
    if (cached && this.now() - cached.at < this.opts.cacheMs) return this.remember(hash, cached.record);
    try {
      const record = await this.opts.store.byHash(hash);
      if (!record) {
        this.byHashCache.delete(hash);
        return undefined;
      }
      return this.remember(hash, record);
    } catch (e) {
      this.opts.onStoreError?.(e);
      // The store is unreachable: a key seen before keeps working as it was; an unknown one cannot be checked.
      if (cached) return this.remember(hash, cached.record, cached.at);
      throw new ServiceUnavailableError('The key store is unreachable; try again shortly.', 'key_store_unavailable');
    }
  }

  private remember(hash: string, record: KeyRecord, at = this.now()): KeyRecord {
    this.byHashCache.set(hash, { record, at });
    this.byIdCache.set(record.id, record);
    return record;
  }
}

function digest(s: string): Buffer {
  return cryptoHash('sha256', s, 'buffer');
}
