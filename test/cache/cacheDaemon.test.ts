/**
 * The response cache against the real daemon over HTTP, with the fake OpenAI upstream (which echoes the
 * question, so a served answer shows which question produced it).
 */
import assert from 'node:assert/strict';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { sseFrames } from '../helpers/http.js';
import { admin, cacheYaml, chat, waitForEmbedder } from './helpers.js';

describe('response cache (real daemon)', function () {
  this.timeout(60_000);
  let upstream: FakeOpenAI;
  let daemon: TestDaemon;

  before(async () => {
    upstream = await startFakeOpenAI();
    daemon = await spawnDaemon({
      // Guard rejections are logged at debug level (one per lookup under load would flood an info log).
      env: { OPENAI_API_KEY: upstream.apiKey, OPENAI_BASE_URL: upstream.url, SWITCHBOARD_LOG_LEVEL: 'debug' },
      configYaml: cacheYaml(
        '',
        `isolation: user
routes:
  openai/gpt-4.1-nano:
    ttlSeconds: 1
  openai/gpt-4.1-mini:
    maxEntries: 2`,
      ),
    });
    await waitForEmbedder(daemon);
  });
  after(async () => {
    await daemon?.stop();
    await upstream?.close();
  });
  beforeEach(() => upstream.reset());

  it('serves an identical deterministic request from the exact cache', async () => {
    const a = await chat(daemon, 'What is the boiling point of water at sea level?');
    assert.equal(a.status, 200);
    assert.equal(a.cache, 'miss');
    const b = await chat(daemon, 'What is the boiling point of water at sea level?');
    assert.equal(b.cache, 'hit');
    assert.equal(b.text, a.text);
    assert.equal(b.json.usage.completion_tokens, a.json.usage.completion_tokens);
    assert.equal(upstream.requests.length, 1, 'the second request never reached the upstream');
  });

  it('serves a paraphrase from the semantic cache, with the similarity', async () => {
    const a = await chat(daemon, 'How do I learn Python quickly?');
    assert.equal(a.cache, 'miss');
    const b = await chat(daemon, 'How can I learn Python quickly');
    assert.equal(b.cache, 'semantic-hit');
    assert.ok(Number(b.similarity) >= 0.97, `similarity ${b.similarity}`);
    assert.equal(b.text, 'echo: How do I learn Python quickly?', 'the cached answer to the first question');
    assert.equal(upstream.requests.length, 1);
  });

  it('replays a hit as a stream in the caller\'s format (OpenAI and Anthropic doors)', async () => {
    await chat(daemon, 'Name three primary colors');
    const res = await fetch(`${daemon.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${daemon.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', temperature: 0, stream: true, messages: [{ role: 'user', content: 'Name three primary colors' }] }),
    });
    assert.equal(res.headers.get('x-switchboard-cache'), 'hit');
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const frames = sseFrames(await res.text());
    assert.equal(frames.at(-1)?.data, '[DONE]');
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.data));
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, 'echo: Name three primary colors');
    assert.ok(chunks.filter((c) => c.choices[0]?.delta?.content).length >= 3, 'streamed in several chunks');
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');

    const anth = await fetch(`${daemon.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': daemon.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', temperature: 0, max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'Name three primary colors' }] }),
    });
    const body = await anth.text();
    assert.equal(anth.status, 200, body);
    // max_tokens is part of the key: 256 was never asked through the OpenAI door, so this one is a miss
    // stored now; the second Anthropic call is the replayed hit.
    const again = await fetch(`${daemon.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': daemon.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', temperature: 0, max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'Name three primary colors' }] }),
    });
    assert.equal(again.headers.get('x-switchboard-cache'), 'hit');
    const events = sseFrames(await again.text());
    const names = events.map((e) => e.event);
    assert.equal(names[0], 'message_start');
    assert.equal(names.at(-1), 'message_stop');
    assert.ok(names.includes('content_block_delta') && names.includes('message_delta'), names.join(','));
    const text2 = events.filter((e) => e.event === 'content_block_delta').map((e) => JSON.parse(e.data).delta.text).join('');
    assert.equal(text2, 'echo: Name three primary colors');
  });

  it('rejects look-alike questions with the guard and says why in the log', async () => {
    await chat(daemon, 'How do I turn on dark mode in VS Code?');
    const b = await chat(daemon, 'How do I turn off dark mode in VS Code?');
    assert.equal(b.cache, 'miss');
    assert.equal(b.text, 'echo: How do I turn off dark mode in VS Code?');
    await chat(daemon, 'How do I install Python on Mac?');
    const c = await chat(daemon, 'How do I install Python on Windows?');
    assert.equal(c.cache, 'miss');
    assert.equal(upstream.requests.length, 4);
    const log = daemon.output();
    assert.match(log, /"msg":"cache candidate rejected".*"reason":"polarity differs: \\"on\\" vs \\"off\\""/);
    const stats = await admin(daemon, '/switchboard/v1/cache');
    assert.ok(stats.json.guardRejections >= 1);
    assert.ok(stats.json.guardRejectionsByRule['polarity differs'] >= 1);
  });

  it('scopes entries by model, system prompt and answer-changing parameters', async () => {
    const q = 'Which planet is closest to the sun?';
    await chat(daemon, q);
    assert.equal((await chat(daemon, q, { model: 'openai/gpt-4o' })).cache, 'miss', 'another model');
    assert.equal((await chat(daemon, q, { system: 'Answer in French.' })).cache, 'miss', 'another system prompt');
    assert.equal((await chat(daemon, q, { maxTokens: 5 })).cache, 'miss', 'another max_tokens');
    assert.equal((await chat(daemon, 'Which planet is closest to the sun', { system: 'Answer in French.' })).cache, 'semantic-hit', 'same scope, same question');
    assert.equal(upstream.requests.length, 4);
  });

  it('isolates tenants: one end user never gets another\'s entry (isolation: user)', async () => {
    await chat(daemon, 'What is my account balance?', { user: 'alice' });
    const bob = await chat(daemon, 'What is my account balance?', { user: 'bob' });
    assert.equal(bob.cache, 'miss');
    const bobParaphrase = await chat(daemon, 'What is my account balance', { user: 'bob' });
    assert.equal(bobParaphrase.cache, 'semantic-hit', 'bob gets his own entry');
    assert.equal((await chat(daemon, 'What is my account balance', { user: 'carol' })).cache, 'miss', 'carol has none');
    assert.equal((await chat(daemon, 'What is my account balance?', { user: 'alice' })).cache, 'hit');
    assert.equal(upstream.requests.length, 3);
  });

  it('bypasses non-deterministic requests and honours the per-request opt-outs', async () => {
    const q = 'Tell me a short joke about compilers';
    assert.equal((await chat(daemon, q, { temperature: 0.8 })).cache, 'bypass');
    assert.equal((await chat(daemon, q, { temperature: 0.8 })).cache, 'bypass');
    assert.equal((await chat(daemon, q, { temperature: 0.8, body: { switchboard: { cache: 'force' } } })).cache, 'miss');
    assert.equal((await chat(daemon, q, { temperature: 0.8, body: { switchboard: { cache: 'force' } } })).cache, 'hit');

    const r = 'List the days of the week';
    assert.equal((await chat(daemon, r, { headers: { 'cache-control': 'no-store' } })).cache, 'bypass');
    assert.equal((await chat(daemon, r)).cache, 'miss', 'no-store stored nothing');
    assert.equal((await chat(daemon, r, { body: { switchboard: { cache: false } } })).cache, 'bypass');
    assert.equal((await chat(daemon, r, { headers: { 'cache-control': 'no-cache' } })).cache, 'bypass');
    assert.equal((await chat(daemon, r)).cache, 'hit', 'no-cache stored the fresh answer');
    assert.equal(upstream.requests.length, 7);
  });

  it('expires entries after the route\'s TTL', async () => {
    const q = 'What time zone is Tokyo in?';
    await chat(daemon, q, { model: 'openai/gpt-4.1-nano' });
    assert.equal((await chat(daemon, q, { model: 'openai/gpt-4.1-nano' })).cache, 'hit');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await chat(daemon, q, { model: 'openai/gpt-4.1-nano' })).cache, 'miss');
  });

  it('evicts the least recently used entry beyond the route\'s size bound', async () => {
    const m = { model: 'openai/gpt-4.1-mini' };
    await chat(daemon, 'First question about apples', m);
    await chat(daemon, 'Second question about bananas', m);
    assert.equal((await chat(daemon, 'First question about apples', m)).cache, 'hit'); // apples now most recent
    await chat(daemon, 'Third question about cherries', m); // evicts bananas
    assert.equal((await chat(daemon, 'Second question about bananas', m)).cache, 'miss');
    assert.equal((await chat(daemon, 'Third question about cherries', m)).cache, 'hit');
    const entries = await admin(daemon, '/switchboard/v1/cache/entries?route=openai/gpt-4.1-mini');
    assert.equal(entries.json.entries.length, 2);
  });

  it('admin: statistics, inspection and invalidation by prompt and by route; key required', async () => {
    await chat(daemon, 'How tall is Mount Everest?');
    const stats = await admin(daemon, '/switchboard/v1/cache');
    assert.equal(stats.status, 200);
    assert.ok(stats.json.hits > 0 && stats.json.semanticHits > 0 && stats.json.misses > 0 && stats.json.bypasses > 0);
    assert.ok(stats.json.savedInputTokens > 0 && stats.json.savedOutputTokens > 0);
    const found = await admin(daemon, `/switchboard/v1/cache/entries?prompt=${encodeURIComponent('how tall is mount everest')}`);
    assert.equal(found.json.entries.length, 1);
    assert.equal(found.json.entries[0].answer, 'echo: How tall is Mount Everest?');
    const removed = await admin(daemon, '/switchboard/v1/cache/invalidate', { prompt: 'How tall is Mount Everest?' });
    assert.deepEqual(removed.json, { removed: 1 });
    assert.equal((await chat(daemon, 'How tall is Mount Everest?')).cache, 'miss');
    const byRoute = await admin(daemon, '/switchboard/v1/cache/invalidate', { route: 'openai/gpt-4.1-mini' });
    assert.equal(byRoute.json.removed, 2);
    const bad = await admin(daemon, '/switchboard/v1/cache/invalidate', { nothing: true });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /invalidation request/);
    const anonymous = await fetch(`${daemon.url}/switchboard/v1/cache`);
    assert.equal(anonymous.status, 401);
  });

  it('never stores a failed or truncated answer', async () => {
    // A model of its own: the failures may open this target's circuit breaker.
    const q = 'Describe the water cycle';
    const m = { model: 'openai/gpt-3.5-turbo' };
    // A non-streaming caller gets a whole answer from upstream: its failures are a cut connection or a 200
    // that carries an error object instead of a completion.
    for (const behaviour of [{ cutAfterChunks: 1 }, { rawResponse: { body: '{"error":{"message":"boom","type":"server_error"}}' } }]) {
      upstream.setDefault(behaviour);
      const a = await chat(daemon, q, m);
      assert.notEqual(a.status, 200, JSON.stringify(behaviour));
    }
    upstream.setDefault({});
    const entries = await admin(daemon, `/switchboard/v1/cache/entries?prompt=${encodeURIComponent(q)}`);
    assert.deepEqual(entries.json.entries, [], 'nothing stored');
    assert.ok(upstream.requests.length >= 1);
  });
});
