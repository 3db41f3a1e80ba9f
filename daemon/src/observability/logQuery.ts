/** Turns a request-log query (time range, route, status, key, user …) into a predicate over records. */
import { InvalidRequestError } from '../errors.js';
import type { LogQuery, RequestRecord } from '../protocol/observability.js';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An ISO time, or a duration back from now (`15m`, `2h`, `7d`), as epoch ms. */
export function parseTime(value: string, now = Date.now()): number {
  const d = DURATION.exec(value.trim());
  if (d) return now - Number(d[1]) * (UNIT[d[2] as string] as number);
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidRequestError(`"${value}" is neither a time (2025-01-31T12:00:00Z) nor a duration (15m, 2h, 7d).`, 'invalid_time');
  return t;
}

export interface RecordFilter {
  matches(r: RequestRecord): boolean;
  /** Records are read newest first: once one is older than this, the rest are too. */
  since?: number;
}

export function recordFilter(q: LogQuery, now = Date.now()): RecordFilter {
  const since = q.since ? parseTime(q.since, now) : undefined;
  const until = q.until ? parseTime(q.until, now) : undefined;
  const status = q.status;
  return {
    since,
    matches(r) {
      if (q.id && r.id !== q.id) return false;
      const t = Date.parse(r.time);
      if (since !== undefined && t < since) return false;
      if (until !== undefined && t > until) return false;
      if (q.route && r.route !== q.route && r.model !== q.route) return false;
      if (q.target && r.target !== q.target) return false;
      if (q.key && r.keyId !== q.key) return false;
      if (q.user && r.user !== q.user) return false;
      if (q.team && r.team !== q.team) return false;
      if (status) {
        if (status === 'error') return r.status >= 400 || r.errorClass !== undefined;
        if (status === 'ok') return r.status < 400 && r.errorClass === undefined;
        if (status.endsWith('xx')) return Math.floor(r.status / 100) === Number(status[0]);
        return r.status === Number(status);
      }
      return true;
    },
  };
}
