/** The compact summary window against the plain reference: same summaries, same lookups, same forgetting. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SummaryWindowStore, type WindowEntry } from '../../daemon/src/observability/summaryWindow.js';
import { Pacer } from '../../daemon/src/pacer.js';
import { SUMMARY_WINDOWS, type SummaryWindow } from '../../daemon/src/protocol/observability.js';
import { ReferenceSummaryWindow } from './summaryReference.js';

/** A seeded generator, so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return ((seed >>> 0) % 1_000_000) / 1_000_000;
  };
}

describe('summary window (compact)', () => {
  for (const [maxEntries, n, seed] of [[50, 400, 1], [1000, 6000, 2], [5000, 12_000, 3]] as const) {
    it(`agrees with the reference over ${n} requests kept to ${maxEntries}, with feedback, reused ids and a day passing`, async () => {
      const r = rng(seed);
      let now = 20 * 86_400_000;
      const clock = () => now;
      const compact = new SummaryWindowStore(maxEntries, clock);
      const reference = new ReferenceSummaryWindow(maxEntries, clock);
      const ids: string[] = [];
      const routes = Array.from({ length: 40 }, (_, i) => `route-${i}`);
      for (let i = 0; i < n; i++) {
        now += r() < 0.01 ? 3_600_000 * 5 : Math.floor(r() * 20_000);
        const id = r() < 0.05 && ids.length ? (ids[Math.floor(r() * ids.length)] as string) : r() < 0.1 ? `client.${i}-id` : randomUUID().replaceAll('-', '');
        ids.push(id);
        const e: WindowEntry = {
          id,
          t: now + r(),
          route: r() < 0.05 ? '' : (routes[Math.floor(r() * r() * routes.length)] as string),
          target: r() < 0.5 ? 'openai/gpt-4o-mini' : `anthropic/claude-${Math.floor(r() * 3)}`,
          error: r() < 0.1,
          latencyMs: r() * 3000,
          ...(r() < 0.7 && { ttftMs: r() * 500 }),
          inputTokens: Math.floor(r() * 2000),
          outputTokens: Math.floor(r() * 500),
          cachedTokens: Math.floor(r() * 100),
          cost: r() * 0.01,
          cache: ['hit', 'semantic-hit', 'miss', 'bypass', ''][Math.floor(r() * 5)] as string,
          ...(r() < 0.02 && { score: r() }),
        };
        compact.add(e);
        reference.add(e);
        if (r() < 0.1) {
          const asked = r() < 0.2 ? 'no-such-request' : (ids[Math.floor(r() * ids.length)] as string);
          const want = reference.get(asked);
          const got = compact.get(asked);
          // JSON: the compact copy always has a `score` accessor, undefined until feedback arrives.
          assert.deepEqual(got && JSON.parse(JSON.stringify(got)), want && JSON.parse(JSON.stringify(want)), `get(${asked})`);
          const score = r();
          if (want) want.score = score;
          if (got) got.score = score;
        }
        if (i % 500 === 0 || i === n - 1) {
          for (const w of Object.keys(SUMMARY_WINDOWS) as SummaryWindow[]) assert.deepEqual(await compact.summarize(w), reference.summarize(w), `${w} after ${i + 1}`);
          assert.deepEqual(compact.since(now - 3_600_000), reference.since(now - 3_600_000));
        }
      }
    });
  }

  it('agrees with the reference when latencies repeat (percentiles by selection, not a sort: ties, tiny groups)', async () => {
    const r = rng(4);
    let now = 20 * 86_400_000;
    const clock = () => now;
    const compact = new SummaryWindowStore(3000, clock);
    const reference = new ReferenceSummaryWindow(3000, clock);
    for (let i = 0; i < 3000; i++) {
      now += Math.floor(r() * 2000);
      const e: WindowEntry = {
        id: `r${i}`,
        t: now,
        route: `route-${Math.floor(r() * r() * 12)}`,
        target: 'openai/gpt-4o-mini',
        error: false,
        latencyMs: Math.floor(r() * 4),
        ...(r() < 0.5 && { ttftMs: r() < 0.9 ? 1 : 2 }),
        inputTokens: 1,
        outputTokens: 1,
        cachedTokens: 0,
        cost: 0,
        cache: 'miss',
      };
      compact.add(e);
      reference.add(e);
      if (i % 97 === 0 || i < 20) for (const w of Object.keys(SUMMARY_WINDOWS) as SummaryWindow[]) assert.deepEqual(await compact.summarize(w), reference.summarize(w), `${w} after ${i + 1}`);
    }
  });

  it('summarises the window as it was when asked, while requests come and go between its slices', async () => {
    for (const w of Object.keys(SUMMARY_WINDOWS) as SummaryWindow[]) {
      const r = rng(9);
      let now = 30 * 86_400_000;
      const clock = () => now;
      const compact = new SummaryWindowStore(10_000, clock);
      const reference = new ReferenceSummaryWindow(10_000, clock);
      const add = (i: number, route: string) => {
        now += 10 + Math.floor(r() * 200);
        const e: WindowEntry = { id: `p${i}`, t: now, route, target: `t-${i % 3}`, error: i % 9 === 0, latencyMs: r() * 50, ...(i % 2 === 0 && { ttftMs: r() * 9 }), inputTokens: i % 17, outputTokens: 3, cachedTokens: 0, cost: r() / 100, cache: i % 4 ? 'miss' : 'hit' };
        compact.add(e);
        reference.add(e);
      };
      for (let i = 0; i < 3000; i++) add(i, i >= 2990 ? 'only-the-last-ten' : `route-${i % 4}`);
      const want = reference.summarize(w);
      assert.ok(want.total.requests > 0 && want.routes.some((g) => g.key === 'only-the-last-ten'), w);
      // A pacer always due: it rests before every group, and the ring changes meanwhile: it grows (4,096 →
      // 8,192 → 10,000 slots), wraps, and a day passes (every entry above goes, "only-the-last-ten" and its
      // name with them).
      const pending = compact.summarize(w, new Pacer(0));
      for (let i = 3000; i < 12_000; i++) add(i, `later-${i % 3}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      now += 86_400_000;
      add(9000, 'after-a-day');
      assert.deepEqual(await pending, want, w);
    }
  });

  it('starts small and forgets names no entry uses any more', async () => {
    let now = 0;
    const w = new SummaryWindowStore(100, () => now);
    for (let i = 0; i < 1000; i++) w.add({ id: `r${i}`, t: (now += 1000), route: `route-${i}`, target: 't', error: false, latencyMs: 1, inputTokens: 0, outputTokens: 0, cachedTokens: 0, cost: 0, cache: 'miss' });
    const s = await w.summarize('24h');
    assert.equal(s.total.requests, 100);
    assert.deepEqual(s.routes.map((g) => g.key).sort(), Array.from({ length: 100 }, (_, i) => `route-${900 + i}`).sort());
    assert.equal(w.get('r899'), undefined);
    assert.equal(w.get('r900')?.route, 'route-900');
    assert.ok(w.setScore('r999', 0.5));
    assert.equal((await w.summarize('24h')).total.satisfaction, 0.5);
  });
  it('grows while its ring wraps (a day passed, so the oldest slots were freed): every entry and id moves', async () => {
    const r = rng(5);
    let now = 20 * 86_400_000;
    const clock = () => now;
    // 20,000: the last growth is to a size that is not a multiple of the one before, so its runs differ.
    const compact = new SummaryWindowStore(20_000, clock);
    const reference = new ReferenceSummaryWindow(20_000, clock);
    const ids: string[] = [];
    const add = (i: number) => {
      now += 1 + Math.floor(r() * 3);
      const id = i % 7 === 0 ? `client.${i}` : randomUUID().replaceAll('-', '');
      ids.push(id);
      const e: WindowEntry = { id, t: now, route: `route-${i % 5}`, target: 't', error: false, latencyMs: r() * 100, inputTokens: i, outputTokens: 1, cachedTokens: 0, cost: 0, cache: 'miss' };
      compact.add(e);
      reference.add(e);
    };
    const check = async (what: string) => {
      for (const w of Object.keys(SUMMARY_WINDOWS) as SummaryWindow[]) assert.deepEqual(await compact.summarize(w), reference.summarize(w), `${w} ${what}`);
      for (const id of ids.slice(-40_000)) assert.deepEqual(JSON.parse(JSON.stringify(compact.get(id) ?? null)), JSON.parse(JSON.stringify(reference.get(id) ?? null)), `get(${id}) ${what}`);
    };
    // 3,000 requests, a day passes (they go as the next ones come: the ring's head moves to 3,000), then enough to
    // grow 4,096 → 8,192 slots with the old ring wrapped, and on to 16,384.
    let i = 0;
    for (; i < 3000; i++) add(i);
    now += 86_400_000;
    for (; i < 17_000; i++) add(i);
    await check('after growing from a wrapped ring');
    // Two days: all of them go at the next request (the head moves to 17,000); growing 16,384 → 20,000 then
    // wraps the old ring and the new one, at different places.
    now += 2 * 86_400_000;
    for (; i < 17_000 + 16_385; i++) add(i);
    await check('after growing into a wrapped ring');
  });
  it('finds ids that share all but their last digits (a client\'s zero-padded hex counter as x-request-id)', () => {
    let now = 20 * 86_400_000;
    const clock = () => now;
    const compact = new SummaryWindowStore(3000, clock);
    const reference = new ReferenceSummaryWindow(3000, clock);
    const ids = Array.from({ length: 5000 }, (_, i) => (i % 2 ? i * 0x10000 : i).toString(16).padStart(32, '0'));
    for (const [i, id] of ids.entries()) {
      const e: WindowEntry = { id, t: (now += 1000), route: 'r', target: 't', error: false, latencyMs: i, inputTokens: 0, outputTokens: 0, cachedTokens: 0, cost: 0, cache: 'miss' };
      compact.add(e);
      reference.add(e);
    }
    for (const id of ids) assert.deepEqual(JSON.parse(JSON.stringify(compact.get(id) ?? null)), JSON.parse(JSON.stringify(reference.get(id) ?? null)), `get(${id})`);
    assert.equal(compact.get(ids[4999]!)?.latencyMs, 4999);
    assert.equal(compact.get(ids[1000]!), undefined, 'forgotten once past the 3,000 kept');
  });
});
