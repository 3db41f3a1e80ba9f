/**
 * Graceful degradation with the response cache: when every target of a route is down, the last good answer
 * for the same request is served even past its TTL, marked stale.
 */
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';

describe('routing: stale cached answers when every target is down', function () {
  this.timeout(30_000);
  let openai: FakeOpenAI;
  let daemon: TestDaemon;
  let client: OpenAI;

  before(async () => {
    openai = await startFakeOpenAI();
    daemon = await spawnDaemon({
      configYaml: `
cache: { enabled: true, semantic: false, ttlSeconds: 1 }
resilience: { retry: { attempts: 0 } }
routes:
  main: { targets: [openai/gpt-4o-mini] }
`,
      env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url },
    });
    client = new OpenAI({ baseURL: daemon.openaiURL, apiKey: daemon.key, maxRetries: 0 });
  });
  after(async () => {
    await daemon?.stop();
    await openai?.close();
  });

  it('serves the expired entry with x-switchboard-stale, streamed and not; a request never seen gets the error', async () => {
    const ask = (content: string) => client.chat.completions.create({ model: 'main', temperature: 0, messages: [{ role: 'user', content }] }).withResponse();
    const askStreaming = (content: string) =>
      client.chat.completions.create({ model: 'main', temperature: 0, messages: [{ role: 'user', content }], stream: true }).withResponse();
    const fresh = await ask('what is the status page url');
    assert.equal(fresh.data.choices[0]?.message.content, 'echo: what is the status page url');
    await new Promise((r) => setTimeout(r, 2100)); // past the TTL, and past the 1 s write batching

    openai.script({ status: 503 }, { times: Infinity });
    const stale = await ask('what is the status page url');
    assert.equal(stale.response.headers.get('x-switchboard-stale'), 'true');
    assert.equal(stale.response.headers.get('x-switchboard-cache'), 'stale');
    assert.equal(stale.data.choices[0]?.message.content, 'echo: what is the status page url');

    const streamed = await askStreaming('what is the status page url');
    let text = '';
    for await (const chunk of streamed.data) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'echo: what is the status page url');
    assert.equal(streamed.response.headers.get('x-switchboard-stale'), 'true');

    await assert.rejects(ask('a question never asked before'), (e: { status?: number }) => e.status === 503);
  });
});
