/**
 * Virtual keys: how a secret is made and recognised. Only the SHA-256 of a secret is stored (secrets are 192
 * random bits, so a fast hash is enough: there is nothing to brute-force); the secret is shown once.
 */
import { hash, randomBytes } from 'node:crypto';
import type { KeyInfo, KeySettings } from '../protocol/keys.js';

/** What the stores keep: the settings, the hash, and the lifecycle dates. */
export interface KeyRecord extends KeySettings {
  id: string;
  hash: string;
  prefix: string;
  createdAt: string;
  rotatedAt?: string;
  revokedAt?: string;
}

export const SECRET_PREFIX = 'sk-sb-';

export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64url');
}

export function newKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}

export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

export function displayPrefix(secret: string): string {
  return secret.slice(0, SECRET_PREFIX.length + 4);
}

export function keyState(r: KeyRecord, now = Date.now()): KeyInfo['state'] {
  if (r.revokedAt) return 'revoked';
  if (r.expiresAt && Date.parse(r.expiresAt) <= now) return 'expired';
  return 'active';
}

/** The record as the API shows it: no hash. */
export function keyInfo(r: KeyRecord, now = Date.now()): KeyInfo {
  const { hash: _hash, ...rest } = r;
  return { ...rest, state: keyState(r, now) };
}

/** The settings, the id, and a fresh secret with its hash. */
export function createRecord(settings: KeySettings, now = new Date()): { record: KeyRecord; secret: string } {
  const secret = newSecret();
  return { secret, record: { ...settings, id: newKeyId(), hash: hashSecret(secret), prefix: displayPrefix(secret), createdAt: now.toISOString() } };
}
