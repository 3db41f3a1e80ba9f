/** Fast checks of the pieces with logic of their own: the bounded queue, the summary window, PII redaction, time filters. */
import assert from 'node:assert/strict';
import { BoundedQueue } from '../../daemon/src/observability/boundedQueue.js';
import { parseTime } from '../../daemon/src/observability/logQuery.js';
import { redactPii } from '../../daemon/src/observability/piiRedact.js';
import { SummaryWindowStore, type WindowEntry } from '../../daemon/src/observability/summaryWindow.js';

describe('observability units', () => {
  it('the bounded queue drops and counts once full, never blocks, and writes everything it accepted', async () => {
    let release: () => void = () => {};
    const written: number[] = [];
    const q = new BoundedQueue<number>(3, async (batch) => {
      await new Promise<void>((r) => (release = r));
      written.push(...batch);
    });
    assert.equal(q.push(1), true);
    await new Promise((r) => setImmediate(r)); // the consumer takes [1] and blocks
    for (const n of [2, 3, 4, 5, 6]) q.push(n);
    assert.equal(q.dropped, 2, '5 and 6 did not fit');
    assert.equal(q.accepted, 4);
    const flushed = q.flush();
    for (let i = 0; i < 3; i++) {
      release();
      await new Promise((r) => setImmediate(r));
    }
    await flushed;
    assert.deepEqual(written, [1, 2, 3, 4]);
  });

  it('the summary window computes nearest-rank percentiles per route and forgets entries older than a day', async () => {
    let now = 10 * 86_400_000;
    const w = new SummaryWindowStore(1000, () => now);
    const entry = (i: number, route: string, latencyMs: number, t = now): WindowEntry => ({ id: `${route}-${i}`, t, route, target: 'openai/x', error: i % 10 === 0, latencyMs, inputTokens: 1, outputTokens: 2, cachedTokens: 0, cost: 0.001, cache: i % 4 === 0 ? 'hit' : 'miss' });
    w.add(entry(0, 'old', 5, now - 86_400_000 - 1));
    for (let i = 1; i <= 100; i++) w.add(entry(i, 'a', i));
    const s = await w.summarize('5m');
    const a = s.routes.find((g) => g.key === 'a');
    assert.deepEqual(a?.latencyMs, { p50: 50, p95: 95, p99: 99 });
    assert.equal(a?.errors, 10);
    assert.equal(a?.cacheHits, 25);
    assert.equal(a?.cost, 0.1);
    assert.equal(s.routes.find((g) => g.key === 'old'), undefined);
    assert.equal(w.get('old-0'), undefined, 'pruned');
    now += 6 * 60_000;
    assert.equal((await w.summarize('5m')).total.requests, 0);
    assert.equal((await w.summarize('1h')).total.requests, 100);
  });

  it('redacts emails, Luhn-valid card numbers, phones, SSNs, IPs and key-shaped secrets; keeps ordinary numbers', () => {
    const out = redactPii('a@b.io sk-live-1234567890abcdef card 4242 4242 4242 4242, not 4242 4242 4242 4241; call (415) 555-0134 or +44 20 7946 0958, ssn 123-45-6789 from 10.0.0.12 order 98765 year 2025');
    assert.equal(out, '[EMAIL] [REDACTED] card [CARD], not 4242 4242 4242 4241; call [PHONE] or [PHONE], ssn [SSN] from [IP] order 98765 year 2025');
    assert.equal(redactPii('the value is my-known-secret', ['my-known-secret']), 'the value is [REDACTED]');
  });

  it('time filters take ISO times and durations back from now, and reject anything else', () => {
    assert.equal(parseTime('15m', 1_000_000), 100_000);
    assert.equal(parseTime('2h', 10 * 3_600_000), 8 * 3_600_000);
    assert.equal(parseTime('2025-01-31T12:00:00Z'), Date.UTC(2025, 0, 31, 12));
    assert.throws(() => parseTime('yesterday'), /neither a time/);
  });
  it('redacts in linear time: long runs of address characters with no email in them (60,000 characters each)', function () {
    // Quadratic before (the email pattern was retried from every character of a run): ~18 s for these four.
    this.timeout(5_000);
    const n = 60_000;
    for (const text of ['a'.repeat(n), '1'.repeat(n), '12-'.repeat(n / 3), `a@${'a.'.repeat(n / 2)}`]) assert.equal(redactPii(text), text);
    assert.equal(redactPii(`${'x'.repeat(n)} mail ann.lee+ops@example.co.uk now`), `${'x'.repeat(n)} mail [EMAIL] now`);
    assert.equal(redactPii(`${'b'.repeat(n)}@example.com`), '[EMAIL]', 'a long local part is still one address');
  });
  it('redacts the same emails as the pattern it replaced (differential, 20,000 random strings)', () => {
    const oldEmail = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
    // No digits, so the card, phone, SSN and IP patterns stay out of it.
    const parts = ['a', 'b', 'x', '.', '@', 'co', 'io', '_', '%', '+', '-', 'e', 'Z', ' ', '\n', 'ab.cd', '@@', '.uk'];
    let seed = 5;
    const r = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    for (let i = 0; i < 20_000; i++) {
      const text = Array.from({ length: 1 + Math.floor(r() * 14) }, () => parts[Math.floor(r() * parts.length)]).join('');
      assert.equal(redactPii(text), text.replace(oldEmail, '[EMAIL]'), JSON.stringify(text));
    }
  });
});
