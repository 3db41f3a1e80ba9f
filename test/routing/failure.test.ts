import assert from 'node:assert/strict';
import { GatewayError, ServiceUnavailableError, UpstreamError, UpstreamTimeoutError } from '../../daemon/src/errors.js';
import { backoffMs, classifyFailure, parseRetryAfter } from '../../daemon/src/routing/failure.js';

describe('routing/failure', () => {
  it('retries only transient failures, and keeps client errors from falling back', () => {
    const c = (e: unknown) => {
      const r = classifyFailure(e);
      return [r.kind, r.retryable, r.clientError];
    };
    assert.deepEqual(c(new UpstreamTimeoutError('x')), ['timeout', true, false]);
    assert.deepEqual(c(new UpstreamError('x', 429)), ['rate_limited', true, false]);
    assert.deepEqual(c(new UpstreamError('x', 500)), ['upstream_5xx', true, false]);
    assert.deepEqual(c(new UpstreamError('x', 529)), ['upstream_5xx', true, false]);
    assert.deepEqual(c(new UpstreamError('x', 408)), ['upstream_408', true, false]);
    assert.deepEqual(c(new UpstreamError('x', 409)), ['upstream_409', true, false]);
    assert.deepEqual(c(new UpstreamError('x', undefined, 'upstream_unreachable')), ['unreachable', true, false]);
    assert.deepEqual(c(new UpstreamError('x', undefined, 'upstream_truncated')), ['truncated', true, false]);
    assert.deepEqual(c(new UpstreamError('x', 400)), ['client_error', false, true]);
    assert.deepEqual(c(new UpstreamError('x', 404)), ['client_error', false, true]);
    assert.deepEqual(c(new UpstreamError('x', 401)), ['upstream_auth', false, false]);
    assert.deepEqual(c(new ServiceUnavailableError('x')), ['unavailable', false, false]);
    assert.deepEqual(c(new GatewayError(400, 'context_length_exceeded', 'x')), ['client_error', false, true]);
    assert.deepEqual(c(new Error('boom')), ['internal', false, false]);
  });

  it('reads retry-after-ms, retry-after seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter({ 'retry-after-ms': '150', 'retry-after': '9' }), 150);
    assert.equal(parseRetryAfter({ 'retry-after': '2' }), 2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }, now), 3000);
    assert.equal(parseRetryAfter({}), undefined);
    assert.equal(classifyFailure(new UpstreamError('x', 429, 'upstream_error', { 'retry-after': '1' })).retryAfterMs, 1000);
  });

  it('backs off exponentially with jitter, capped', () => {
    assert.equal(backoffMs(0, 100, 1000, () => 0), 50);
    assert.equal(backoffMs(0, 100, 1000, () => 0.999999), 99.99995);
    assert.equal(backoffMs(2, 100, 1000, () => 0), 200);
    assert.equal(backoffMs(10, 100, 1000, () => 0), 500);
  });
});
