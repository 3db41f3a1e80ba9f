/**
 * What a failed attempt means for the gateway: retry the same target, fall back to the next, or give the
 * caller the error. One place, so that retries, fallback and circuit breakers agree.
 */
import { GatewayError, UpstreamError, UpstreamTimeoutError } from '../errors.js';

export interface FailureClass {
  /** Short name for logs and metrics: timeout, rate_limited, upstream_5xx, unreachable, truncated, … */
  kind: string;
  /** Worth trying the same target again (transient). */
  retryable: boolean;
  /** The caller's request was refused: no fallback unless the route says so. */
  clientError: boolean;
  /** Counts against the target's circuit breaker. */
  countsAgainstTarget: boolean;
  /** retry-after / retry-after-ms in milliseconds, when the upstream sent one. */
  retryAfterMs?: number;
}

export function classifyFailure(e: unknown): FailureClass {
  if (e instanceof UpstreamTimeoutError) return { kind: 'timeout', retryable: true, clientError: false, countsAgainstTarget: true };
  if (e instanceof UpstreamError) {
    const s = e.upstreamStatus;
    const retryAfterMs = parseRetryAfter(e.headers);
    if (s === undefined) {
      const kind = e.code === 'upstream_truncated' ? 'truncated' : e.code === 'upstream_unreachable' ? 'unreachable' : 'upstream_error';
      return { kind, retryable: true, clientError: false, countsAgainstTarget: true };
    }
    if (s === 429) return { kind: 'rate_limited', retryable: true, clientError: false, countsAgainstTarget: true, retryAfterMs };
    if (s === 408 || s === 409 || s >= 500) return { kind: s >= 500 ? 'upstream_5xx' : `upstream_${s}`, retryable: true, clientError: false, countsAgainstTarget: true, retryAfterMs };
    if (s === 401 || s === 403) return { kind: 'upstream_auth', retryable: false, clientError: false, countsAgainstTarget: true };
    if (e.code === 'provider_not_configured') return { kind: 'unavailable', retryable: false, clientError: false, countsAgainstTarget: false };
    return { kind: 'client_error', retryable: false, clientError: true, countsAgainstTarget: false };
  }
  if (e instanceof GatewayError) {
    if (e.code === 'invalid_output') return { kind: 'invalid_output', retryable: true, clientError: false, countsAgainstTarget: false };
    if (e.status === 503) return { kind: 'unavailable', retryable: false, clientError: false, countsAgainstTarget: false };
    if (e.status >= 500) return { kind: 'upstream_error', retryable: true, clientError: false, countsAgainstTarget: true };
    return { kind: 'client_error', retryable: false, clientError: true, countsAgainstTarget: false };
  }
  return { kind: 'internal', retryable: false, clientError: false, countsAgainstTarget: false };
}

/** retry-after-ms (OpenAI's) wins over retry-after, which is seconds or an HTTP date. */
export function parseRetryAfter(headers: Record<string, string>, now = Date.now()): number | undefined {
  const ms = Number(headers['retry-after-ms']);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const ra = headers['retry-after'];
  if (ra === undefined) return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** Exponential backoff with jitter: base·2^n, capped, then scaled by a random factor in [0.5, 1). */
export function backoffMs(retry: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** retry) * (0.5 + random() / 2);
}
