/**
 * Shared mode for real: one `redis-server` started by the test, three daemon replicas pointing at it, and
 * concurrent load spread over all three. Keys, rate limits, budgets and the ledger are shared; the accepted
 * requests and tokens stay within the configured limits (overshoot printed; the goal is zero). Then Redis goes
 * away: a fail-closed replica answers 503 at once, a fail-open one serves with a warning; nothing hangs.
 */
import assert from 'node:assert/strict';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startRedis, type TestRedis } from '../helpers/redisServer.js';
import { call, chat, createKey, usage } from './access.js';

const USAGE = { inputTokens: 5, outputTokens: 40 };

function config(redisURL: string, onUnavailable: 'closed' | 'open'): string {
  return `
store:
  mode: redis
  redis: { url: "${redisURL}", prefix: "sbtest:", timeoutMs: 300, onUnavailable: ${onUnavailable} }
limits:
  key: { rpm: 30 }
budgets:
  team: { day: { tokens: 2000 } }
`;
}

describe('shared mode: three replicas, one real Redis', function () {
  this.timeout(60_000);
  let openai: FakeOpenAI;
  let redis: TestRedis;
  let replicas: TestDaemon[] = [];
  let openReplica: TestDaemon;

  before(async () => {
    openai = await startFakeOpenAI({ defaultBehaviour: { usage: USAGE } });
    redis = await startRedis();
    const env = { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url };
    replicas = await Promise.all([0, 1, 2].map(() => spawnDaemon({ configYaml: config(redis.url, 'closed'), env })));
    openReplica = await spawnDaemon({ configYaml: config(redis.url, 'open'), env });
  });
  after(async () => {
    await Promise.all([...replicas, openReplica].filter(Boolean).map((d) => d.stop()));
    await redis?.stop();
    await openai?.close();
  });

  const at = (i: number) => replicas[i % replicas.length] as TestDaemon;

  it('shares keys: created on one replica, accepted by the others', async () => {
    const { secret } = await createKey(at(0), { user: 'sam' });
    for (const d of replicas) assert.equal((await chat(d, secret)).status, 200);
  });

  it('holds a per-key rpm across replicas under concurrent load (not 3 × the limit)', async () => {
    const { secret } = await createKey(at(0), { user: 'rita' });
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 90 }, (_, i) => chat(at(i), secret)));
    const elapsed = Date.now() - started;
    const accepted = replies.filter((r) => r.status === 200).length;
    // A token bucket of 30 refills one request every 2 s: at most 30 + elapsed / 2 s may pass.
    const allowed = 30 + Math.floor(elapsed / 2000);
    console.log(`      rpm 30 over 3 replicas: ${accepted} of 90 accepted in ${elapsed} ms (allowed ${allowed}), overshoot ${Math.max(0, accepted - allowed)}`);
    assert.ok(accepted <= allowed, `accepted ${accepted} > allowed ${allowed}`);
    assert.ok(accepted >= 30, `accepted only ${accepted}`);
    assert.equal(replies.filter((r) => r.status === 429).length, 90 - accepted);
    const perReplica = [0, 1, 2].map((k) => replies.filter((r, i) => i % 3 === k && r.status === 200).length);
    assert.ok(perReplica.every((n) => n > 0), `every replica served some: ${perReplica}`);
  });

  it('holds a team token budget across replicas: the shared ledger never passes it', async () => {
    const keys = await Promise.all([0, 1].map(() => createKey(at(0), { user: 'tom', team: 'blue', limits: { rpm: 10_000 } })));
    const replies = await Promise.all(Array.from({ length: 120 }, (_, i) => chat(at(i), keys[i % 2]!.secret)));
    let accepted = replies.filter((r) => r.status === 200).length;
    assert.ok(replies.some((r) => r.status === 429 && r.json.error.code === 'budget_exceeded'));
    for (let i = 0; i < 10; i++) {
      const r = await chat(at(i), keys[0]!.secret);
      if (r.status !== 200) break;
      accepted++;
    }
    await new Promise((r) => setTimeout(r, 300));
    const reports = await Promise.all(replicas.map((d) => usage(d, 'team')));
    const blue = reports[0].rows.find((r: any) => r.group.team === 'blue');
    const spent = blue.inputTokens + blue.outputTokens;
    console.log(`      team budget 2000 tokens over 3 replicas: ${accepted} accepted, ${spent} spent, overshoot ${Math.max(0, spent - 2000)}`);
    assert.equal(blue.requests, accepted);
    assert.ok(spent <= 2000, `spent ${spent}`);
    assert.ok(spent > 2000 - 49, 'the budget was used up');
    for (const r of reports.slice(1)) assert.deepEqual(r.total, reports[0].total, 'every replica reports the same shared ledger');
  });

  it('propagates a revocation to the other replicas within the key cache time (1 s)', async () => {
    const { id, secret } = await createKey(at(0), { user: 'una' });
    assert.equal((await chat(at(1), secret)).status, 200);
    assert.equal((await call(at(0).url, '/switchboard/v1/keys/revoke', at(0).key, { id })).status, 200);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await chat(at(1), secret)).status, 401);
  });

  it('when Redis is down: fail closed answers 503 at once, fail open serves with a warning, nothing hangs', async () => {
    const { secret } = await createKey(at(0), { user: 'vic' });
    assert.equal((await chat(at(2), secret)).status, 200);
    assert.equal((await chat(openReplica, secret)).status, 200);
    await redis.stop();

    let t = Date.now();
    const closed = await chat(at(2), secret);
    const closedMs = Date.now() - t;
    assert.equal(closed.status, 503, closed.text);
    assert.equal(closed.json.error.code, 'limits_unavailable');

    t = Date.now();
    const open = await chat(openReplica, secret);
    const openMs = Date.now() - t;
    assert.equal(open.status, 200, open.text);
    assert.equal(open.headers.get('x-switchboard-limits'), 'unavailable');

    t = Date.now();
    const unknown = await chat(openReplica, 'sk-sb-never-seen-before-0000000000000000');
    const unknownMs = Date.now() - t;
    assert.equal(unknown.status, 503, 'an unseen key cannot be checked');
    assert.equal(unknown.json.error.code, 'key_store_unavailable');
    console.log(`      redis down: fail-closed 503 in ${closedMs} ms, fail-open 200 in ${openMs} ms, unknown key 503 in ${unknownMs} ms`);
    for (const ms of [closedMs, openMs, unknownMs]) assert.ok(ms < 3000, `answered in ${ms} ms`);
    assert.match(openReplica.output(), /limits store unreachable/);
  });
});
