/** Budget periods: the remembered day and month agree with a fresh computation for any sequence of clocks. */
import assert from 'node:assert/strict';
import { periodOf } from '../../daemon/src/limits/rules.js';

function fresh(period: 'day' | 'month', now: number): { id: string; endsAt: number } {
  const d = new Date(now);
  return period === 'day'
    ? { id: d.toISOString().slice(0, 10), endsAt: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) }
    : { id: d.toISOString().slice(0, 7), endsAt: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

describe('limits/periodOf', () => {
  it('matches a fresh computation across day, month and year ends, leap days, and a clock that jumps back', () => {
    const edges = [Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1), Date.UTC(2028, 1, 28, 23, 59, 59, 999), Date.UTC(2028, 1, 29), Date.UTC(2028, 2, 1) - 1, Date.UTC(2028, 2, 1)];
    let seed = 3;
    const times: number[] = [];
    for (const e of edges) times.push(e - 1, e, e + 1);
    for (let i = 0; i < 2000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      times.push(Date.UTC(2026, 0, 1) + ((seed >>> 0) % (3 * 365 * 86_400_000)));
    }
    // Then the same times backwards: a fake clock may go anywhere.
    for (const t of [...times, ...times.slice().reverse()]) {
      for (const p of ['day', 'month'] as const) {
        const got = periodOf(p, t);
        assert.deepEqual({ id: got.id, endsAt: got.endsAt }, fresh(p, t), `${p} at ${new Date(t).toISOString()}`);
      }
    }
  });
});
