import assert from 'node:assert/strict';
import { CircuitBreakers, type CircuitState } from '../../daemon/src/routing/circuitBreaker.js';
import { FakeClock } from '../helpers/fakeClock.js';

describe('routing/circuitBreaker (fake clock)', () => {
  const settings = { windowMs: 10_000, minRequests: 20, errorRate: 0.05, cooldownMs: 5_000, halfOpenProbes: 2 };
  let clock: FakeClock;
  let changes: [string, CircuitState, CircuitState][];
  let b: CircuitBreakers;
  beforeEach(() => {
    clock = new FakeClock();
    changes = [];
    b = new CircuitBreakers(settings, clock, (t, from, to) => changes.push([t, from, to]));
  });

  const run = (n: number, fail: (i: number) => boolean) => {
    for (let i = 0; i < n; i++) {
      assert.ok(b.acquire('t'));
      if (fail(i)) b.onFailure('t');
      else b.onSuccess('t');
    }
  };

  it('stays closed below the minimum number of requests, even at 100 % failures', () => {
    run(19, () => true);
    assert.equal(b.state('t'), 'closed');
  });

  it('stays closed at an error rate at or under the threshold (1 of 20 = 5 %)', () => {
    run(19, () => false);
    run(1, () => true);
    assert.equal(b.state('t'), 'closed');
  });

  it('opens above the threshold, skips while open, half-opens after the cooldown with limited probes, closes on success', () => {
    run(18, () => false);
    run(2, () => true); // 2/20 = 10 % > 5 %
    assert.equal(b.state('t'), 'open');
    assert.deepEqual(changes.at(-1), ['t', 'closed', 'open']);
    assert.equal(b.acquire('t'), false, 'open circuit refuses without waiting');
    clock.advance(4_999);
    assert.equal(b.acquire('t'), false);
    clock.advance(1);
    assert.equal(b.acquire('t'), true, 'first probe');
    assert.equal(b.acquire('t'), true, 'second probe');
    assert.equal(b.acquire('t'), false, 'no third probe while two are in flight');
    b.onSuccess('t');
    assert.equal(b.state('t'), 'closed');
    assert.deepEqual(changes.map((c) => c[2]), ['open', 'half-open', 'closed']);
    // A closed circuit starts with a clean window.
    run(19, () => true);
    assert.equal(b.state('t'), 'closed');
  });

  it('re-opens when a probe fails, and a released probe frees its slot', () => {
    run(10, () => false);
    run(10, () => true);
    clock.advance(5_000);
    assert.ok(b.acquire('t'));
    b.onRelease('t');
    assert.ok(b.acquire('t'));
    assert.ok(b.acquire('t'));
    b.onFailure('t');
    assert.equal(b.state('t'), 'open');
    assert.equal(b.acquire('t'), false);
  });

  it('forgets failures older than the window', () => {
    run(18, () => false);
    run(1, () => true);
    clock.advance(11_000);
    run(1, () => true); // the earlier 19 requests are out of the window: 1 request < minimum
    assert.equal(b.state('t'), 'closed');
    assert.deepEqual(b.snapshot()[0], { target: 't', state: 'closed', requests: 1, failures: 1 });
  });

  it('keeps targets apart', () => {
    run(20, () => true);
    assert.equal(b.state('t'), 'open');
    assert.equal(b.state('other'), 'closed');
    assert.ok(b.acquire('other'));
  });
  it('forgets idle circuits once there are many (ever-new pass-through targets), keeping open and busy ones', () => {
    run(20, () => true); // 't' opens
    for (let i = 0; i < 300; i++) {
      assert.ok(b.acquire(`openai/made-up-${i}`));
      b.onSuccess(`openai/made-up-${i}`);
    }
    assert.equal(b.snapshot().length, 301);
    clock.advance(settings.windowMs + 1); // their windows empty out; 't' is still open (cooldown 5 s, then half-open)
    assert.ok(b.acquire('busy'));
    b.onSuccess('busy');
    for (let i = 0; i < 300; i++) {
      assert.ok(b.acquire(`openai/other-${i}`));
      b.onSuccess(`openai/other-${i}`);
    }
    const targets = b.snapshot().map((c) => c.target);
    assert.ok(!targets.includes('openai/made-up-0'), 'idle ones forgotten');
    assert.ok(targets.includes('t') && targets.includes('busy') && targets.includes('openai/other-299'));
    assert.ok(targets.length < 400, `${targets.length} circuits kept`);
    assert.equal(b.state('t'), 'half-open', 'a tripped circuit keeps its state');
  });
});
