/**
 * The counter contract, run against both stores (embedded in-process, Redis on a real redis-server), plus the
 * token bucket's refill with a fake clock, and the cost arithmetic.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { costNanoUsd, tokensByKind } from '../../daemon/src/cost/cost.js';
import { PriceTable } from '../../daemon/src/cost/prices.js';
import { formatReset } from '../../daemon/src/limits/headers.js';
import { reserveIn, settleIn, type Charge, type CounterLevel, type CounterStore } from '../../daemon/src/limits/counters.js';
import { countPromptTokens, remembering } from '../../daemon/src/limits/tokenCount.js';
import type { CanonicalRequest } from '../../daemon/src/gateway/canonical.js';
import { EmbeddedAccounting } from '../../daemon/src/store/embeddedAccounting.js';
import { RedisAccounting } from '../../daemon/src/store/redisAccounting.js';
import { createRedisClient } from '../../daemon/src/store/redisClient.js';
import { startRedis, type TestRedis } from '../helpers/redisServer.js';

const DAY_END = Date.now() + 86_400_000;
let n = 0;
/** A fresh counter id per test, so the stores need no cleaning. */
const fresh = (s: string) => `t${process.pid}-${n++}-${s}`;
const slowBucket = (capacity: number) => ({ kind: 'bucket' as const, id: fresh('b'), capacity, refillPerMs: 1e-9 });
const budget = (limit: number) => ({ kind: 'budget' as const, id: fresh('g'), limit, expiresAtMs: DAY_END });

function contract(name: string, make: () => Promise<{ store: CounterStore; done(): Promise<void> }>) {
  describe(`counter contract: ${name}`, () => {
    let store: CounterStore;
    let done: () => Promise<void>;
    before(async () => ({ store, done } = await make()));
    after(() => done());

    it('takes from every counter or from none', async () => {
      const a = slowBucket(10);
      const b = budget(5);
      assert.equal((await store.reserve([{ counter: a, amount: 3 }, { counter: b, amount: 4 }])).ok, true);
      const refused = await store.reserve([{ counter: a, amount: 3 }, { counter: b, amount: 2 }]);
      assert.equal(refused.ok, false);
      assert.equal(refused.refused, 1);
      assert.equal(refused.retryAfterMs > 0, true);
      // The bucket was not charged by the refused reservation: 7 left, not 4.
      const next = await store.reserve([{ counter: a, amount: 7 }]);
      assert.equal(next.ok, true);
      assert.equal(next.states[0]!.remaining, 0);
    });

    it('never lets concurrent reservations pass the limit', async () => {
      const b = budget(100);
      const results = await Promise.all(Array.from({ length: 50 }, () => store.reserve([{ counter: b, amount: 7 }])));
      assert.equal(results.filter((r) => r.ok).length, 14);
    });

    it('settles: refunds give capacity back, extra usage takes more; settle never refuses', async () => {
      const b = budget(10);
      assert.equal((await store.reserve([{ counter: b, amount: 8 }])).ok, true);
      await store.settle([{ counter: b, amount: -5 }]);
      const r = await store.reserve([{ counter: b, amount: 7 }]);
      assert.equal(r.ok, true);
      assert.equal(r.states[0]!.remaining, 0);
      await store.settle([{ counter: b, amount: 4 }]);
      assert.equal((await store.reserve([{ counter: b, amount: 1 }])).ok, false);
    });

    it('reports a request larger than the capacity as never fitting', async () => {
      const r = await store.reserve([{ counter: slowBucket(5), amount: 6 }]);
      assert.equal(r.ok, false);
      assert.equal(r.retryAfterMs, Infinity);
    });

    it('appends ledger entries and reads them back by day', async () => {
      const day = new Date().toISOString().slice(0, 10);
      const entry = { id: fresh('e'), at: new Date().toISOString(), keyId: 'k', requested: 'm', model: 'openai/m', door: 'openai', stream: false, status: 'ok' as const, inputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 2, reasoningTokens: 0, estimated: false, costNanoUsd: 3 };
      await store.settle([], entry);
      const entries = await store.entries(day, day);
      assert.deepEqual(entries.find((e) => e.id === entry.id), entry);
      assert.equal((await store.entries('2000-01-01', '2000-01-02')).length, 0);
    });
  });
}

contract('embedded', async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'sb-counters-'));
  const store = new EmbeddedAccounting({ home });
  return { store, done: async () => (await store.close(), rmSync(home, { recursive: true, force: true })) };
});

describe('embedded counter store: saving many levels', () => {
  it('writes 20,000 levels (per-end-user buckets and budgets) that a restarted store reads back exactly', async function () {
    this.timeout(30_000);
    const home = mkdtempSync(path.join(os.tmpdir(), 'sb-counters-many-'));
    try {
      const first = new EmbeddedAccounting({ home, saveDelayMs: 10 });
      const buckets = Array.from({ length: 10_000 }, (_, i) => ({ kind: 'bucket' as const, id: `rl:endUser:user "${i}":req`, capacity: 100, refillPerMs: 1e-9 }));
      const budgets = Array.from({ length: 10_000 }, (_, i) => ({ kind: 'budget' as const, id: `bg:endUser:user-${i}:day:tok`, limit: 1e6, expiresAtMs: DAY_END }));
      for (let i = 0; i < 10_000; i++) assert.ok((await first.reserve([{ counter: buckets[i]!, amount: 1 + (i % 7) }, { counter: budgets[i]!, amount: i }])).ok);
      await first.close();
      const second = new EmbeddedAccounting({ home });
      try {
        // What is left is what the first store took: a bucket of 100 refills at ~nothing per ms.
        for (const i of [0, 1, 4321, 9999]) {
          const r = await second.reserve([{ counter: buckets[i]!, amount: 100 - (1 + (i % 7)) }]);
          assert.equal(r.ok, true, `bucket ${i} kept its level`);
          assert.equal((await second.reserve([{ counter: buckets[i]!, amount: 1 }])).ok, false, `bucket ${i} is now empty`);
          assert.equal((await second.reserve([{ counter: budgets[i]!, amount: 1e6 - i + 1 }])).ok, false, `budget ${i} kept its spend`);
          assert.equal((await second.reserve([{ counter: budgets[i]!, amount: 1e6 - i }])).ok, true);
        }
      } finally {
        await second.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

contract('redis (real redis-server)', async () => {
  const redis: TestRedis = await startRedis();
  const client = await createRedisClient({ url: redis.url, timeoutMs: 1000 });
  await new Promise<void>((r) => client.once('ready', () => r()));
  const store = new RedisAccounting(client, 'contract:');
  return { store, done: async () => (client.disconnect(), await redis.stop()) };
});

describe('token bucket with a fake clock', () => {
  it('refills continuously: no window edge lets a double burst through', () => {
    const levels = new Map<string, CounterLevel>();
    const counter = { kind: 'bucket' as const, id: 'rpm', capacity: 60, refillPerMs: 60 / 60_000 };
    const take = (now: number): boolean => reserveIn(levels, [{ counter, amount: 1 }], now).ok;
    let t = 59_000;
    let accepted = 0;
    for (let i = 0; i < 200; i++) accepted += take(t) ? 1 : 0; // a burst just before a "minute boundary"
    t = 61_000;
    for (let i = 0; i < 200; i++) accepted += take(t) ? 1 : 0; // and just after it
    assert.equal(accepted, 62, 'the full bucket (60) plus 2 s of refill, not 120');
    const refused = reserveIn(levels, [{ counter, amount: 1 }], t);
    assert.equal(refused.retryAfterMs, 1000);
  });

  it('settles token debt: usage above the reservation delays later requests', () => {
    const levels = new Map<string, CounterLevel>();
    const counter = { kind: 'bucket' as const, id: 'tpm', capacity: 1000, refillPerMs: 1000 / 60_000 };
    const charges: Charge[] = [{ counter, amount: 900 }];
    assert.ok(reserveIn(levels, charges, 0).ok);
    settleIn(levels, [{ counter, amount: 300 }], 0); // used 1200 of 900 reserved
    const r = reserveIn(levels, [{ counter, amount: 1 }], 0);
    assert.equal(r.ok, false);
    assert.equal(r.retryAfterMs, Math.ceil(201 / (1000 / 60_000)));
  });
});

describe('cost arithmetic', () => {
  const prices = new PriceTable({ 'openai/custom-*': { input: 1, output: 2, reasoning: 3 } });

  it('prices by kind in exact nano-dollars, with globbed overrides over the built-in table', () => {
    const t = tokensByKind('openai', { inputTokens: 1000, outputTokens: 500, cachedInputTokens: 400, reasoningTokens: 100 });
    assert.equal(costNanoUsd(t, prices.priceOf('openai/gpt-4o-mini')), 600 * 150 + 400 * 75 + 500 * 600);
    assert.equal(costNanoUsd(t, prices.priceOf('openai/custom-v2')), 1000 * 1000 + 400 * 2000 + 100 * 3000);
    assert.equal(costNanoUsd(t, prices.priceOf('local/default')), 0);
    assert.equal(prices.priceOf('openai/unknown-model'), undefined);
    assert.deepEqual(prices.ceiling(), { input: 15, output: 75 }, 'routes reserve at the dearest listed price');
  });

  it('formats resets the way OpenAI does', () => {
    assert.equal(formatReset(20), '20ms');
    assert.equal(formatReset(6000), '6s');
    assert.equal(formatReset(90_000), '1m30s');
    assert.equal(formatReset(7_200_000), '2h0m0s');
  });

  it('counts OpenAI prompts with the model\'s BPE and Anthropic prompts with the documented estimate', async () => {
    const request = { model: 'x', messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hello there, general kenobi' }] }] };
    const openai = await countPromptTokens(request, { provider: 'openai', model: 'gpt-4o' }, new Map());
    assert.equal(openai, 6 + 4 + 3, 'o200k: 6 tokens + per-message 4 + primer 3');
    const anthropic = await countPromptTokens(request, { provider: 'anthropic', model: 'claude-haiku-4-5' }, new Map());
    assert.equal(anthropic, Math.ceil(27 / 3) + 4 + 3);
  });

  it('remembers the counts of long texts (a conversation resends its history), least recently used out first', () => {
    const counted: string[] = [];
    const count = remembering((t) => (counted.push(t), t.length), 1000);
    const [a, b, c] = ['a', 'b', 'c'].map((x) => x.repeat(400));
    assert.equal(count(a), 400);
    assert.equal(count(a), 400);
    assert.equal(count('short text'), 10);
    assert.equal(count('short text'), 10);
    assert.deepEqual(counted, [a, 'short text', 'short text'], 'a long text is counted once, a short one every time');
    count(b); // 800 characters remembered
    count(a); // a is now the most recent
    count(c); // 1,200 > 1,000: the least recently used (b) goes
    counted.length = 0;
    count(a);
    count(c);
    count(b);
    assert.deepEqual(counted, [b], 'b was forgotten, a and c were not');
    assert.equal(count('d'.repeat(1500)), 1500, 'a text longer than the whole memory is counted, not kept');
  });

  it('counts a growing conversation exactly as without remembering', async () => {
    const messages: CanonicalRequest['messages'] = [];
    const target = { provider: 'openai', model: 'gpt-4o-mini' };
    const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
    for (let turn = 0; turn < 12; turn++) {
      messages.push({ role: turn % 2 ? 'assistant' : 'user', content: [{ type: 'text', text: `turn ${turn}: ${'the history grows by one long message each turn, '.repeat(8 + turn)}` }] });
      const expected = messages.reduce((n, m) => n + countTokens((m.content[0] as { text: string }).text), 0) + messages.length * 4 + 3;
      assert.equal(await countPromptTokens({ model: 'gpt-4o-mini', messages }, target, new Map()), expected, `turn ${turn}`);
    }
  });
});
