/** The pipeline's "client went away" signal (gateway/cancel.ts), which stands in for an AbortSignal. */
import assert from 'node:assert/strict';
import { abortSignalOf, Cancellation } from '../../daemon/src/gateway/cancel.js';
import { systemClock } from '../../daemon/src/clock.js';

describe('Cancellation', () => {
  it('runs each listener once, on the first abort, with the reason kept; removed ones never', () => {
    const c = new Cancellation();
    const calls: string[] = [];
    const a = () => calls.push(`a:${String(c.reason)}`);
    const b = () => calls.push('b');
    c.addEventListener('abort', a);
    c.addEventListener('abort', b, { once: true });
    c.removeEventListener('abort', b);
    assert.equal(c.aborted, false);
    c.abort('gone');
    c.abort('again');
    assert.deepEqual(calls, ['a:gone']);
    assert.equal(c.aborted, true);
    assert.equal(c.reason, 'gone');
    c.addEventListener('abort', b); // after the abort: as with an AbortSignal, never called
    c.abort('late');
    assert.deepEqual(calls, ['a:gone']);
  });

  it('cuts a clock sleep short with its reason; an aborted signal rejects a sleep at once', async () => {
    const c = new Cancellation();
    await systemClock.sleep(1, c);
    const sleeping = systemClock.sleep(10_000, c);
    c.abort(new Error('client gone'));
    await assert.rejects(sleeping, /client gone/);
    await assert.rejects(systemClock.sleep(1, c), /client gone/, 'an aborted signal rejects at once');
  });

  it('abortSignalOf: a real AbortSignal that follows the cancellation (an AbortSignal passes through as is)', () => {
    const c = new Cancellation();
    const signal = abortSignalOf(c);
    assert.ok(signal instanceof AbortSignal);
    assert.equal(signal.aborted, false);
    c.abort(new Error('attempt over'));
    assert.equal(signal.aborted, true);
    assert.match(String(signal.reason), /attempt over/);
    const late = abortSignalOf(c);
    assert.equal(late.aborted, true, 'made after the abort: aborted already');
    const real = new AbortController().signal;
    assert.equal(abortSignalOf(real), real);
  });
});
