/**
 * Rate limits and per-request caps on one real daemon: token buckets per key, end user and model, exact under
 * concurrency (N concurrent requests against a limit of L: exactly L pass), 429 with retry-after in each door's
 * shape, and OpenAI's x-ratelimit-* headers on every response.
 */
import assert from 'node:assert/strict';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fakeAnthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { call, chat, createKey } from './access.js';

const CONFIG = `
limits:
  request:
    maxInputTokens: 200
    maxOutputTokens: 100
  key: { rpm: 10 }
  endUser: { rpm: 3 }
  models:
    "openai/gpt-4o": { tpm: 500 }
`;

describe('rate limits (one daemon)', () => {
  let openai: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let d: TestDaemon;

  before(async () => {
    openai = await startFakeOpenAI();
    anthropic = await startFakeAnthropic();
    d = await spawnDaemon({
      configYaml: CONFIG,
      env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: anthropic.apiKey, ANTHROPIC_BASE_URL: anthropic.url },
    });
  });
  after(async () => {
    await d?.stop();
    await openai?.close();
    await anthropic?.close();
  });

  it('lets exactly rpm requests through out of many concurrent ones; the rest get 429 with retry-after', async () => {
    const { secret } = await createKey(d, { user: 'u1' });
    const replies = await Promise.all(Array.from({ length: 30 }, () => chat(d, secret)));
    const ok = replies.filter((r) => r.status === 200);
    const limited = replies.filter((r) => r.status === 429);
    assert.equal(ok.length, 10, `accepted ${ok.length} of 30 against rpm 10`);
    assert.equal(limited.length, 20);
    const r = limited[0]!;
    assert.equal(r.json.error.type, 'rate_limit_error');
    assert.equal(r.json.error.code, 'rate_limit_exceeded');
    assert.match(r.json.error.message, /10 requests per minute/);
    const retry = Number(r.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 6, `retry-after ${retry} s: one request refills in 6 s`);
    assert.equal(r.headers.get('x-ratelimit-limit-requests'), '10');
    assert.equal(r.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.match(r.headers.get('x-ratelimit-reset-requests') ?? '', /^(\d+m)?\d+(ms|s)$/);
  });

  it('sends x-ratelimit-* headers on successful responses, counting down', async () => {
    const { secret } = await createKey(d, { user: 'u2' });
    const a = await chat(d, secret);
    const b = await chat(d, secret);
    assert.equal(a.headers.get('x-ratelimit-limit-requests'), '10');
    assert.equal(a.headers.get('x-ratelimit-remaining-requests'), '9');
    assert.equal(b.headers.get('x-ratelimit-remaining-requests'), '8');
  });

  it('uses a key\'s own limits over the configured default, with a burst allowance', async () => {
    const { secret } = await createKey(d, { user: 'u3', limits: { rpm: 600, burstRequests: 4 } });
    const replies = await Promise.all(Array.from({ length: 12 }, () => chat(d, secret)));
    const ok = replies.filter((r) => r.status === 200).length;
    // 600 rpm refills one request every 100 ms; the burst lets 4 through at once.
    assert.ok(ok >= 4 && ok <= 5, `accepted ${ok} with a burst of 4`);
  });

  it('limits each end user named by the request separately, under one key', async () => {
    const { secret } = await createKey(d, { user: 'u4', limits: { rpm: 100 } });
    const alice = [];
    for (let i = 0; i < 4; i++) alice.push((await chat(d, secret, { user: 'alice' })).status);
    assert.deepEqual(alice, [200, 200, 200, 429]);
    assert.equal((await chat(d, secret, {}, { 'x-switchboard-end-user': 'bob' })).status, 200, 'bob has his own bucket');
    const r = await chat(d, secret, { user: 'alice' });
    assert.match(r.json.error.message, /end user alice/);
  });

  it('limits tokens per minute per model, counted before the call and settled after', async () => {
    // Each request reserves its prompt (counted with gpt-tokenizer) plus max_tokens 40; 500 tokens fit a few.
    const replies = await Promise.all(Array.from({ length: 20 }, () => chat(d, d.key, { model: 'openai/gpt-4o' })));
    const ok = replies.filter((r) => r.status === 200);
    const limited = replies.filter((r) => r.status === 429);
    assert.ok(ok.length >= 9 && ok.length <= 11, `accepted ${ok.length}`);
    assert.equal(ok.length + limited.length, 20);
    assert.equal(limited[0]!.headers.get('x-ratelimit-limit-tokens'), '500');
    assert.match(limited[0]!.json.error.message, /500 tokens per minute/);
  });

  it('answers 429 in the Anthropic shape on the Anthropic door', async () => {
    const { secret } = await createKey(d, { user: 'u5', limits: { rpm: 1 } });
    const body = { model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] };
    assert.equal((await call(d.url, '/v1/messages', secret, body)).status, 200);
    const r = await call(d.url, '/v1/messages', secret, body);
    assert.equal(r.status, 429);
    assert.equal(r.json.type, 'error');
    assert.equal(r.json.error.type, 'rate_limit_error');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  });

  it('rejects a prompt over maxInputTokens and max_tokens over maxOutputTokens with a clear 400', async () => {
    const long = await chat(d, d.key, { text: 'word '.repeat(400) });
    assert.equal(long.status, 400);
    assert.equal(long.json.error.code, 'input_too_long');
    const big = await chat(d, d.key, { max_tokens: 500 });
    assert.equal(big.status, 400);
    assert.equal(big.json.error.code, 'max_tokens_too_large');
    assert.match(big.json.error.message, /maximum of 100/);
  });
});

describe('per-request caps: clamp', () => {
  let openai: FakeOpenAI;
  let d: TestDaemon;
  before(async () => {
    openai = await startFakeOpenAI();
    d = await spawnDaemon({ configYaml: 'limits:\n  request: { maxOutputTokens: 64, onExceed: clamp }\n', env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url } });
  });
  after(async () => {
    await d?.stop();
    await openai?.close();
  });

  it('lowers max_tokens to the maximum and says so', async () => {
    const r = await chat(d, d.key, { max_tokens: 5000 });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-switchboard-max-tokens'), '64');
    const sent = openai.requests.at(-1)!.body;
    assert.equal(sent.max_completion_tokens ?? sent.max_tokens, 64);
  });
});
