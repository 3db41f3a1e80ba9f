/**
 * Names what went wrong with one request in a small, fixed vocabulary, so that metrics labels stay bounded
 * and the dashboard can group failures: the fine-grained reason stays in `errorCode`.
 */
import { GatewayError, UpstreamError, UpstreamTimeoutError } from '../errors.js';
import { ClientAbortError } from '../providers/sdkErrors.js';

export interface ErrorFacts {
  errorClass: string;
  errorCode?: string;
  message?: string;
}

/** Rate-limit and budget refusals are told apart by their codes (issue 5's errors carry these words). */
const BUDGET = /budget|quota|spend/;
const RATE = /rate_limit|too_many|ratelimit/;

export function classifyError(e: unknown, status: number): ErrorFacts | undefined {
  if (e === undefined) return status >= 400 ? { errorClass: statusClass(status) } : undefined;
  if (e instanceof ClientAbortError || (e instanceof Error && e.name === 'AbortError')) return { errorClass: 'aborted', message: 'The client closed the request.' };
  if (e instanceof UpstreamTimeoutError) return { errorClass: 'timeout', errorCode: e.code, message: e.message };
  if (e instanceof UpstreamError) {
    const s = e.upstreamStatus;
    const errorClass =
      e.code === 'upstream_truncated' ? 'truncated'
      : e.code === 'upstream_unreachable' ? 'unreachable'
      : s === 429 ? 'upstream_rate_limited'
      : s !== undefined && s >= 500 ? 'upstream_5xx'
      : s === 401 || s === 403 ? 'upstream_auth'
      : s !== undefined && s < 500 ? 'upstream_client_error'
      : 'upstream_error';
    return { errorClass, errorCode: e.code, message: e.message };
  }
  if (e instanceof GatewayError) {
    const code = e.code.toLowerCase();
    const errorClass = BUDGET.test(code) ? 'budget' : RATE.test(code) || e.status === 429 ? 'rate_limited' : e.status === 504 ? 'timeout' : statusClass(e.status);
    return { errorClass, errorCode: e.code, message: e.message };
  }
  return { errorClass: 'internal', errorCode: 'internal_error', message: 'Internal error' };
}

function statusClass(status: number): string {
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 402) return 'budget';
  if (status === 429) return 'rate_limited';
  if (status === 499) return 'aborted';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'upstream_error';
  return 'bad_request';
}
