/**
 * The safety baseline applied to every TCP request: loopback Host names only (DNS rebinding), no browser
 * requests from foreign origins, and the master key. Requests on the unix socket are protected by the
 * socket's 0600 permissions instead.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AuthenticationError, ForbiddenError } from '../errors.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function hostName(hostHeader: string): string {
  // "[::1]:4747" → "[::1]"; "localhost:4747" → "localhost"
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return (colon === -1 ? hostHeader : hostHeader.slice(0, colon)).toLowerCase();
}

export function checkHost(req: IncomingMessage): void {
  const host = req.headers.host;
  if (!host || !LOOPBACK_NAMES.has(hostName(host))) {
    throw new ForbiddenError(`Host "${host ?? ''}" is not a loopback name; Switchboard answers only localhost, 127.0.0.1 and [::1].`, 'forbidden_host');
  }
}

export function isLoopbackOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK_NAMES.has(u.hostname);
  } catch {
    return false;
  }
}

export function checkOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin)) {
    throw new ForbiddenError(`Browser requests from origin "${origin}" are refused: only pages served from loopback may call Switchboard.`, 'forbidden_origin');
  }
}

/** The key a request carries, as `Authorization: Bearer …` or `x-api-key`. */
export function presentedKey(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return m ? m[1]?.trim() : undefined;
  }
  const x = req.headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : undefined;
}

export function keyMatcher(expected: string): (req: IncomingMessage) => void {
  const want = Buffer.from(expected);
  return (req) => {
    const got = presentedKey(req);
    if (!got) throw new AuthenticationError();
    const buf = Buffer.from(got);
    if (buf.length !== want.length || !timingSafeEqual(buf, want)) {
      throw new AuthenticationError('Invalid API key. Use the master key from SWITCHBOARD_MASTER_KEY or <data folder>/master.key.');
    }
  };
}
