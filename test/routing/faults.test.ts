/**
 * Resilience against faults, in real time on loopback: the real daemon, fake upstreams told to fail in every
 * way a provider fails. The client must see a complete answer or an explicit error — never a truncated
 * success — and nothing may hang past the configured timeouts. Prints a table of what each fault cost.
 */
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fakeAnthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import type { OpenAIBehaviour } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';

// \`upstreamStreaming: always\`: non-streaming callers are served from upstream streams too, so that the first-token
// and idle timeouts apply to them (the default, \`as-client\`, is tested at the end of this file).
const CONFIG = `
resilience:
  upstreamStreaming: always
  retry: { attempts: 1, baseDelayMs: 20, maxDelayMs: 400 }
  timeouts: { firstTokenMs: 600, idleMs: 400, totalMs: 5000 }
  circuitBreaker: { windowMs: 3000, minRequests: 20, errorRate: 0.05, cooldownMs: 700, halfOpenProbes: 2 }
# Each group of tests uses its own primary model name, so one group's failures never open another's circuit.
routes:
  chat:
    targets: [openai/gpt-4o-mini, anthropic/claude-haiku-4-5]
  midstream:
    targets: [openai/gpt-4o, anthropic/claude-haiku-4-5]
  midstream-continue:
    targets: [openai/gpt-4o, anthropic/claude-haiku-4-5]
    midStream: continue
  strict:
    targets: [openai/gpt-4.1-nano, anthropic/claude-haiku-4-5]
  lenient:
    targets: [openai/gpt-4.1-nano, anthropic/claude-haiku-4-5]
    fallbackOnClientErrors: true
  with-static:
    targets: [openai/gpt-4.1, anthropic/claude-sonnet-4-5]
    retry: { attempts: 0 }
    staticFallback: "We are having trouble right now. Please try again in a minute."
  no-static:
    targets: [openai/gpt-4.1-mini, anthropic/claude-opus-4-1]
    retry: { attempts: 0 }
  load:
    targets: [openai/o4-mini, anthropic/claude-3-7-sonnet]
`;

interface Row {
  fault: string;
  mode: string;
  saw: string;
  attempts: string;
  ms: number;
}

describe('routing: faults (real daemon, fake upstreams, real time)', function () {
  this.timeout(120_000);
  let openai: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let daemon: TestDaemon;
  let client: OpenAI;
  const table: Row[] = [];

  before(async () => {
    openai = await startFakeOpenAI();
    anthropic = await startFakeAnthropic();
    daemon = await spawnDaemon({
      configYaml: CONFIG,
      env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: anthropic.apiKey, ANTHROPIC_BASE_URL: anthropic.url, SWITCHBOARD_LOG_LEVEL: 'info' },
    });
    client = new OpenAI({ baseURL: daemon.openaiURL, apiKey: daemon.key, maxRetries: 0, timeout: 20_000 });
  });
  after(async () => {
    if (table.length) {
      console.log('\n      fault                      | mode      | client saw                         | attempts | ms');
      for (const r of table) console.log(`      ${r.fault.padEnd(26)} | ${r.mode.padEnd(9)} | ${r.saw.padEnd(34)} | ${r.attempts.padEnd(8)} | ${r.ms}`);
    }
    await daemon?.stop();
    await openai?.close();
    await anthropic?.close();
  });
  beforeEach(() => {
    openai.reset();
    anthropic.reset();
  });

  async function nonStreaming(model: string, text = 'hello world') {
    const started = performance.now();
    try {
      const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: text }] }).withResponse();
      return { ok: true as const, text: data.choices[0]?.message.content ?? '', finish: data.choices[0]?.finish_reason, headers: response.headers, ms: performance.now() - started };
    } catch (e) {
      return { ok: false as const, error: e as InstanceType<typeof OpenAI.APIError>, ms: performance.now() - started };
    }
  }

  async function streaming(model: string, text = 'one two three four five six') {
    const started = performance.now();
    let got = '';
    let finish: string | null = null;
    let headers: Headers | undefined;
    try {
      const { data: stream, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: text }], stream: true }).withResponse();
      headers = response.headers;
      for await (const chunk of stream) {
        got += chunk.choices[0]?.delta.content ?? '';
        if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      }
      return { ok: true as const, text: got, finish, headers, ms: performance.now() - started };
    } catch (e) {
      return { ok: false as const, text: got, finish, headers, error: e as Error & { status?: number }, ms: performance.now() - started };
    }
  }

  describe('faults before the first byte: transparent failover', () => {
    const faults: [string, OpenAIBehaviour][] = [
      ['500 burst', { status: 500 }],
      ['503 overloaded', { status: 503 }],
      ['429 retry-after 10 s', { status: 429, retryAfter: 10 }],
      ['hang before headers', { delayHeadersMs: 5000 }],
      ['stall before 1st token', { stallAfterChunks: 0 }],
      ['cut before 1st token', { cutAfterChunks: 0 }],
      ['malformed SSE', { rawResponse: { headers: { 'content-type': 'text/event-stream' }, body: 'data: {not json\n\n' } }],
    ];
    for (const [name, behaviour] of faults) {
      for (const mode of ['stream', 'json'] as const) {
        it(`${name} (${mode}) → a complete answer from the next target`, async () => {
          openai.script(behaviour, { times: Infinity });
          const r = mode === 'stream' ? await streaming('chat') : await nonStreaming('chat');
          assert.ok(r.ok, `expected success, got ${!r.ok && r.error?.message}`);
          assert.equal(r.finish, 'stop');
          assert.equal(r.headers?.get('x-switchboard-provider'), 'anthropic');
          assert.match(r.text, /^echo: /);
          assert.ok(r.ms < 5000, `took ${r.ms} ms`);
          table.push({ fault: name, mode, saw: 'complete answer (fallback)', attempts: r.headers?.get('x-switchboard-attempts') ?? '?', ms: Math.round(r.ms) });
        });
      }
    }

    it('a 429 with a short retry-after is retried on the same target after that delay', async () => {
      openai.script({ status: 429, retryAfter: 0.2 });
      const r = await nonStreaming('chat');
      assert.ok(r.ok);
      assert.equal(r.headers.get('x-switchboard-provider'), 'openai');
      assert.equal(r.headers.get('x-switchboard-attempts'), '2');
      assert.equal(openai.requests.length, 2);
      assert.ok(openai.requests[1]!.receivedAt - openai.requests[0]!.receivedAt >= 190, 'waited for retry-after');
      table.push({ fault: '429 retry-after 0.2 s', mode: 'json', saw: 'complete answer (retried)', attempts: '2', ms: Math.round(r.ms) });
    });

    it('client errors are neither retried nor failed over, unless the route says so', async () => {
      openai.script({ status: 400, error: { message: 'Invalid value for messages' } }, { times: 2 });
      const strict = await nonStreaming('strict');
      assert.ok(!strict.ok);
      assert.equal(strict.error.status, 400);
      assert.match(strict.error.message, /Invalid value for messages/);
      assert.equal(openai.requests.length, 1, 'not retried');
      assert.equal(anthropic.requests.length, 0, 'no fallback');
      const lenient = await nonStreaming('lenient');
      assert.ok(lenient.ok);
      assert.equal(lenient.headers.get('x-switchboard-provider'), 'anthropic');
    });
  });

  describe('faults after the first byte (streaming)', () => {
    const faults: [string, OpenAIBehaviour][] = [
      ['stall after 2 chunks', { stallAfterChunks: 2 }],
      ['cut after 2 chunks', { cutAfterChunks: 2 }],
      ['error event after 2 chunks', { streamError: { afterChunks: 2 } }],
    ];
    for (const [name, behaviour] of faults) {
      it(`${name} → an explicit error event, never a clean end (policy: error)`, async () => {
        openai.script(behaviour);
        const r = await streaming('midstream');
        assert.ok(!r.ok, 'the stream must fail visibly');
        assert.equal(r.finish, null, 'no finish_reason was sent');
        assert.ok(r.text.length > 0, 'the partial text had reached the client');
        assert.ok(r.ms < 3000, `took ${r.ms} ms`);
        table.push({ fault: name, mode: 'stream', saw: 'partial text + error event', attempts: r.headers?.get('x-switchboard-attempts') ?? '?', ms: Math.round(r.ms) });
      });

      it(`${name} → the next target continues the answer (policy: continue)`, async () => {
        openai.script(behaviour);
        anthropic.script({ text: 'and the rest.' });
        const r = await streaming('midstream-continue');
        assert.ok(r.ok, `expected success, got ${!r.ok && r.error?.message}`);
        assert.equal(r.finish, 'stop');
        assert.match(r.text, /^echo: one.*and the rest\.$/s);
        const cont = anthropic.requests[0]?.body;
        assert.equal(cont.messages.at(-2).role, 'assistant', 'the partial answer was handed over');
        assert.match(JSON.stringify(cont.messages.at(-2).content), /echo:/);
        table.push({ fault: name, mode: 'stream', saw: 'complete answer (continued)', attempts: '2', ms: Math.round(r.ms) });
      });

      it(`${name} (non-streaming) → transparent failover to a complete answer`, async () => {
        openai.script(behaviour);
        const r = await nonStreaming('midstream');
        assert.ok(r.ok, `expected success, got ${!r.ok && r.error?.message}`);
        assert.equal(r.finish, 'stop');
        // Nothing reached the client yet: the gateway retried (the scripted fault happens once).
        assert.equal(r.headers.get('x-switchboard-attempts'), '2');
        table.push({ fault: name, mode: 'json', saw: 'complete answer (retried)', attempts: r.headers.get('x-switchboard-attempts') ?? '?', ms: Math.round(r.ms) });
      });
    }
  });

  describe('every target down', () => {
    it('serves the route\'s static fallback, marked in a header', async () => {
      openai.script({ status: 503 }, { times: Infinity });
      anthropic.script({ status: 529 }, { times: Infinity });
      const r = await nonStreaming('with-static');
      assert.ok(r.ok);
      assert.equal(r.text, 'We are having trouble right now. Please try again in a minute.');
      assert.equal(r.headers.get('x-switchboard-fallback'), 'static');
      const s = await streaming('with-static');
      assert.ok(s.ok);
      assert.equal(s.text, 'We are having trouble right now. Please try again in a minute.');
      table.push({ fault: 'all targets down', mode: 'json', saw: 'static fallback', attempts: r.headers.get('x-switchboard-attempts') ?? '?', ms: Math.round(r.ms) });
    });

    it('else answers a clear 503 naming each target and why it failed', async () => {
      openai.script({ status: 503 }, { times: Infinity });
      anthropic.script({ status: 500 }, { times: Infinity });
      const r = await nonStreaming('no-static');
      assert.ok(!r.ok);
      assert.equal(r.error.status, 503);
      assert.match(r.error.message, /Every target of route "no-static" failed: openai\/gpt-4\.1-mini: upstream_5xx.*anthropic\/claude-opus-4-1: upstream_5xx/);
      const s = await streaming('no-static');
      assert.ok(!s.ok);
      assert.equal(s.error.status, 503);
      table.push({ fault: 'all targets down', mode: 'json', saw: '503 naming every failure', attempts: '2', ms: Math.round(r.ms) });
    });
  });

  describe('1,000 requests while the primary fails 30 % of the time', () => {
    it('answers every request, opens the primary\'s circuit, skips it while open, and closes it after recovery', async () => {
      let n = 0;
      openai.setDefault(() => (n++ % 10 < 3 ? { status: 500 } : {}));
      const total = 1000;
      const concurrency = 20;
      const served: Record<string, number> = {};
      let failed = 0;
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < total) {
            next++;
            const r = await nonStreaming('load', 'ping');
            if (!r.ok) failed++;
            else served[r.headers.get('x-switchboard-provider') ?? '?'] = (served[r.headers.get('x-switchboard-provider') ?? '?'] ?? 0) + 1;
          }
        }),
      );
      const elapsed = performance.now() - started;
      const health = (await (await fetch(`${daemon.url}/health`)).json()) as { circuits: { target: string; state: string }[] };
      const primaryHits = openai.requests.length;
      console.log(`      1,000 requests in ${Math.round(elapsed)} ms: served by ${JSON.stringify(served)}, failed ${failed}; primary saw ${primaryHits} requests, secondary ${anthropic.requests.length}`);
      assert.equal(failed, 0, 'every request answered');
      assert.ok((served.anthropic ?? 0) > 0, 'fallback used');
      assert.ok(primaryHits < total, `open circuit skipped the primary (${primaryHits} hits for ${total} requests)`);
      assert.match(daemon.output(), /"msg":"circuit state changed","target":"openai\/o4-mini","from":"closed","to":"open"/);

      // Recovery: the primary is healthy again; after the cooldown a probe closes the circuit.
      openai.setDefault({});
      await new Promise((r) => setTimeout(r, 800));
      let closed = false;
      for (let i = 0; i < 50 && !closed; i++) {
        await nonStreaming('load', 'ping');
        const h = (await (await fetch(`${daemon.url}/health`)).json()) as { circuits: { target: string; state: string }[] };
        closed = h.circuits.find((c) => c.target === 'openai/o4-mini')?.state === 'closed';
        if (!closed) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(closed, `primary circuit closed again: ${JSON.stringify(health.circuits)}`);
      assert.match(daemon.output(), /"to":"half-open"/);
      assert.match(daemon.output(), /"from":"half-open","to":"closed"/);
      const r = await nonStreaming('load', 'ping');
      assert.ok(r.ok);
      assert.equal(r.headers.get('x-switchboard-provider'), 'openai', 'traffic is back on the primary');
    });
  });
});

describe('routing: whole answers for non-streaming callers (upstreamStreaming: as-client, the default)', function () {
  this.timeout(60_000);
  let openai: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let daemon: TestDaemon;
  let client: OpenAI;

  before(async () => {
    openai = await startFakeOpenAI();
    anthropic = await startFakeAnthropic();
    daemon = await spawnDaemon({
      configYaml: `
resilience:
  retry: { attempts: 0 }
  timeouts: { firstTokenMs: 300, idleMs: 300, totalMs: 1500 }
routes:
  chat:
    targets: [openai/gpt-4o-mini, anthropic/claude-haiku-4-5]
`,
      env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: anthropic.apiKey, ANTHROPIC_BASE_URL: anthropic.url },
    });
    client = new OpenAI({ baseURL: daemon.openaiURL, apiKey: daemon.key, maxRetries: 0, timeout: 20_000 });
  });
  after(async () => {
    await daemon?.stop();
    await openai?.close();
    await anthropic?.close();
  });
  beforeEach(() => {
    openai.reset();
    anthropic.reset();
  });

  const ask = async () => {
    const started = performance.now();
    const { data, response } = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hello world' }] }).withResponse();
    return { data, headers: response.headers, ms: performance.now() - started };
  };

  it('asks the provider for a whole answer when the caller did not ask for a stream, and streams when it did', async () => {
    const r = await ask();
    assert.equal(r.data.choices[0]?.message.content, 'echo: hello world');
    assert.equal(r.data.choices[0]?.finish_reason, 'stop');
    assert.ok(r.data.usage && r.data.usage.completion_tokens > 0);
    const stream = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hello world' }], stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    assert.equal(text, 'echo: hello world');
    assert.equal(openai.requests.length, 2);
    assert.equal(openai.requests[0]!.body.stream, undefined, 'whole answer asked for');
    assert.equal(openai.requests[1]!.body.stream, true);
  });

  it('Anthropic: a whole answer, unless max_tokens is above what its API allows unstreamed (then streamed and collected)', async () => {
    for (const max_tokens of [100, 30_000]) {
      const { data } = await client.chat.completions.create({ model: 'anthropic/claude-haiku-4-5', max_tokens, messages: [{ role: 'user', content: 'hello world' }] }).withResponse();
      assert.equal(data.choices[0]?.message.content, 'echo: hello world');
      assert.equal(data.choices[0]?.finish_reason, 'stop');
    }
    assert.deepEqual(anthropic.requests.map((r) => r.body.stream), [undefined, true]);
  });

  it('round-trips a tool call in a whole answer', async () => {
    openai.script({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
    const { data } = await client.chat.completions
      .create({ model: 'chat', messages: [{ role: 'user', content: 'weather?' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] })
      .withResponse();
    const call = data.choices[0]?.message.tool_calls?.[0];
    assert.equal(data.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(call?.type === 'function' && call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call?.type === 'function' ? call.function.arguments : '{}'), { city: 'Oslo' });
  });

  it('a whole answer slower than the first-token limit is still served (only the total timeout applies)', async () => {
    openai.script({ delayHeadersMs: 700 });
    const r = await ask();
    assert.equal(r.headers.get('x-switchboard-provider'), 'openai');
    assert.equal(r.headers.get('x-switchboard-attempts'), '1');
    assert.ok(r.ms >= 700, `took ${r.ms} ms`);
  });

  const faults: [string, OpenAIBehaviour][] = [
    ['no headers within the total timeout', { delayHeadersMs: 5000 }],
    ['headers, then no body', { stallAfterChunks: 0 }],
    ['connection cut', { cutAfterChunks: 0 }],
    ['200 with a body that is not a completion', { rawResponse: { body: '{"object":"list","data":[]}' } }],
    ['200 with an error object', { rawResponse: { body: '{"error":{"message":"The server is overloaded","type":"server_error"}}' } }],
    ['200 with a torn body', { rawResponse: { body: '{"id":"chatcmpl-1","choices":[{"mess' } }],
  ];
  for (const [name, behaviour] of faults) {
    it(`${name} → a complete answer from the next target`, async () => {
      openai.script(behaviour);
      const r = await ask();
      assert.equal(r.data.choices[0]?.message.content, 'echo: hello world');
      assert.equal(r.headers.get('x-switchboard-provider'), 'anthropic');
      assert.equal(r.headers.get('x-switchboard-attempts'), '2');
      assert.ok(r.ms < 3000, `took ${r.ms} ms`);
    });
  }
});
