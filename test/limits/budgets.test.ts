/**
 * Budgets and the cost ledger on one real daemon: concurrent requests cannot overshoot a token or money budget
 * (reserve before, settle after), the soft limit warns, streamed and collected answers cost exactly the same
 * (cached tokens included), usage is reported by key/user/team/model/day, and all of it survives a restart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fakeAnthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { call, chat, cli, createKey, usage, waitForLedger } from './access.js';

/** What the fake upstream reports for every request: 5 prompt tokens, 40 answer tokens. */
const USAGE = { inputTokens: 5, outputTokens: 40 };

function rowOf(report: any, keyId: string) {
  return report.rows.find((r: any) => r.group.key === keyId);
}

describe('budgets and the cost ledger (one daemon)', () => {
  let openai: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let d: TestDaemon;

  before(async () => {
    openai = await startFakeOpenAI({ defaultBehaviour: { usage: USAGE } });
    anthropic = await startFakeAnthropic({ defaultBehaviour: { usage: { inputTokens: 6, outputTokens: 30, cacheReadTokens: 100, cacheWriteTokens: 20 } } });
    d = await spawnDaemon({
      configYaml: 'budgets:\n  key: { day: { tokens: 1000, softPercent: 50 } }\n',
      env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: anthropic.apiKey, ANTHROPIC_BASE_URL: anthropic.url },
    });
  });
  after(async () => {
    await d?.stop();
    await openai?.close();
    await anthropic?.close();
  });

  it('cannot overshoot a token budget with 40 concurrent requests, then refuses with budget_exceeded', async () => {
    const { id, secret } = await createKey(d, { user: 'ann', team: 'red' });
    const first = await Promise.all(Array.from({ length: 40 }, () => chat(d, secret)));
    let accepted = first.filter((r) => r.status === 200).length;
    const refused = first.filter((r) => r.status === 429);
    assert.ok(refused.length > 0);
    assert.equal(refused[0]!.json.error.code, 'budget_exceeded');
    assert.match(refused[0]!.json.error.message, /daily token budget of key .* \(1000 tokens\) is spent/);
    assert.ok(Number(refused[0]!.headers.get('retry-after')) > 0, 'retry-after points at the end of the day');
    // Settled refunds (reserved 49, used 45) may let a few more in, one at a time, never past the budget.
    for (let i = 0; i < 10; i++) {
      const r = await chat(d, secret);
      if (r.status !== 200) break;
      accepted++;
    }
    const row = rowOf(await waitForLedger(d, accepted), id);
    const spent = row.inputTokens + row.outputTokens;
    console.log(`      token budget 1000: ${accepted} accepted, ${spent} tokens spent, overshoot ${Math.max(0, spent - 1000)}`);
    assert.equal(row.requests, accepted);
    assert.equal(spent, accepted * 45, 'the ledger holds the usage the provider reported');
    assert.ok(spent <= 1000, `spent ${spent} of 1000`);
    assert.ok(spent > 1000 - 49, 'and the budget was used up, not refused early');
    assert.ok(first.some((r) => r.headers.get('x-switchboard-budget-warning')?.includes('of the daily token budget used')), 'the soft limit warned');
    assert.match(d.output(), /budget soft limit/);
  });

  it('cannot overshoot a money budget: exactly 4 of 12 concurrent gpt-4o requests fit $0.002', async () => {
    // gpt-4o: $2.50 in, $10 out per million. Reserved per request (9 prompt + 40 max_tokens): $0.0004225;
    // real (5 + 40): $0.0004125. Five reservations never fit $0.002; four always do.
    const { id, secret } = await createKey(d, { user: 'ben', budgets: { day: { usd: 0.002 } } });
    const replies = await Promise.all(Array.from({ length: 12 }, () => chat(d, secret, { model: 'openai/gpt-4o' })));
    assert.equal(replies.filter((r) => r.status === 200).length, 4);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await chat(d, secret, { model: 'openai/gpt-4o' })).status, 429, 'still full after settling');
    const row = rowOf(await usage(d), id);
    assert.equal(row.costNanoUsd, 4 * 412_500);
    assert.equal(row.usd, 0.00165);
  });

  it('costs exactly the same streamed and collected, cached tokens included (OpenAI door)', async () => {
    openai.script({ usage: { ...USAGE, cacheReadTokens: 3 } }, { times: 2 });
    const a = await createKey(d, { user: 'cy' });
    const b = await createKey(d, { user: 'cy' });
    const collected = await chat(d, a.secret, { model: 'gpt-4o' });
    assert.equal(collected.status, 200);
    const streamed = await chat(d, b.secret, { model: 'gpt-4o', stream: true });
    assert.equal(streamed.status, 200);
    assert.match(streamed.text, /data: \[DONE\]/);
    const report = await waitForLedger(d, 0);
    await new Promise((r) => setTimeout(r, 100));
    const [ra, rb] = [rowOf(await usage(d), a.id), rowOf(await usage(d), b.id)];
    assert.deepEqual({ ...rb, group: undefined }, { ...ra, group: undefined });
    assert.equal(ra.cachedInputTokens, 3);
    // 2 uncached × 2.5 + 3 cached × 1.25 + 40 × 10 = 408.75 per million → 408,750 nano-USD.
    assert.equal(ra.costNanoUsd, 408_750);
    assert.ok(report.total.requests > 0);
  });

  it('costs exactly the same streamed and collected on the Anthropic door, with cache reads and writes', async () => {
    const a = await createKey(d, { user: 'dee' });
    const b = await createKey(d, { user: 'dee' });
    const body = { model: 'anthropic/claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] };
    assert.equal((await call(d.url, '/v1/messages', a.secret, body)).status, 200);
    const s = await call(d.url, '/v1/messages', b.secret, { ...body, stream: true });
    assert.equal(s.status, 200);
    assert.match(s.text, /message_stop/);
    await new Promise((r) => setTimeout(r, 100));
    const report = await usage(d);
    const [ra, rb] = [rowOf(report, a.id), rowOf(report, b.id)];
    assert.deepEqual({ ...rb, group: undefined }, { ...ra, group: undefined });
    // Anthropic's input_tokens exclude the cache: the ledger stores all 126 prompt tokens, billed by kind:
    // 6 × $1 + 100 × $0.10 + 20 × $1.25 + 30 × $5 = $191 per million.
    assert.equal(ra.inputTokens, 126);
    assert.equal(ra.cachedInputTokens, 100);
    assert.equal(ra.cacheWriteTokens, 20);
    assert.equal(ra.costNanoUsd, 191_000);
  });

  it('reports usage by user, team, model and day over the API and the CLI', async () => {
    const report = await usage(d, 'team,model');
    const red = report.rows.find((r: any) => r.group.team === 'red' && r.group.model === 'openai/gpt-4o-mini');
    assert.ok(red && red.requests > 0);
    const byDay = await usage(d, 'day');
    assert.equal(byDay.rows[0].group.day, new Date().toISOString().slice(0, 10));
    assert.equal(byDay.total.requests, (await usage(d, 'user')).total.requests);
    const bad = await call(d.url, '/switchboard/v1/usage?by=planet', d.key);
    assert.equal(bad.status, 400);
    const out = await cli(['usage', '--by', 'model'], { SWITCHBOARD_HOME: d.home });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /openai\/gpt-4o\s+\d+/);
    assert.match(out.stdout, /anthropic\/claude-haiku-4-5/);
    assert.match(out.stdout, /^total/m);
  });
});

describe('ledger, budgets and keys survive a restart (embedded)', () => {
  let openai: FakeOpenAI;
  let home: string;
  const env = () => ({ OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url });

  before(async () => {
    openai = await startFakeOpenAI({ defaultBehaviour: { usage: USAGE } });
    home = mkdtempSync(path.join(os.tmpdir(), 'sb-restart-'));
  });
  after(async () => {
    await openai?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('keeps spend, counters and keys across a stop and a start', async () => {
    const configYaml = 'budgets:\n  key: { day: { tokens: 200 } }\n';
    const first = await spawnDaemon({ home, configYaml, env: env() });
    const { id, secret } = await createKey(first, { user: 'eve' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await chat(first, secret)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 429], '4 × 45 = 180 spent; a fifth (49 reserved) would pass 200');
    const before = await waitForLedger(first, 4);
    assert.equal(await first.stop(), 0);

    const second = await spawnDaemon({ home, configYaml, env: env() });
    try {
      const after = await usage(second);
      assert.deepEqual(after.total, before.total, 'the ledger came back whole');
      assert.equal(rowOf(after, id).requests, 4);
      const r = await chat(second, secret);
      assert.equal(r.status, 429, 'the key still authenticates and its spent budget is still spent');
      assert.equal(r.json.error.code, 'budget_exceeded');
    } finally {
      await second.stop();
    }
  });
});
