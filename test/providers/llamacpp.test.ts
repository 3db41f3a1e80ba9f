import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { CanonicalEvent, CanonicalRequest } from '../../daemon/src/gateway/canonical.js';
import { GatewayError } from '../../daemon/src/errors.js';
import type { Provider } from '../../daemon/src/providers/provider.js';
import { createLlamaCppProvider } from '../../daemon/src/providers/llamacpp/index.js';
import { toChatHistory } from '../../daemon/src/providers/llamacpp/history.js';
import { tinyModelPath } from '../helpers/paths.js';

const SEQUENCES = 2;

function req(overrides: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return {
    model: 'local/default',
    system: 'You are a terse assistant.',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Say something about the sea.' }] }],
    maxTokens: 24,
    ...overrides,
  };
}

async function collect(provider: Provider, request: CanonicalRequest, signal = new AbortController().signal): Promise<CanonicalEvent[]> {
  const events: CanonicalEvent[] = [];
  for await (const event of provider.stream({ request, model: 'default', signal })) events.push(event);
  return events;
}

function textOf(events: CanonicalEvent[]): string {
  return events.map((e) => (e.type === 'text' ? e.text : '')).join('');
}

function finishOf(events: CanonicalEvent[]): Extract<CanonicalEvent, { type: 'finish' }> {
  const finishes = events.filter((e) => e.type === 'finish');
  assert.equal(finishes.length, 1, 'exactly one finish event');
  assert.equal(events.at(-1)?.type, 'finish', 'finish is the last event');
  return finishes[0] as Extract<CanonicalEvent, { type: 'finish' }>;
}

async function rejectsWith(promise: Promise<unknown>, check: (e: GatewayError) => void): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof GatewayError, `expected a GatewayError, got ${String(e)}`);
    check(e);
    return true;
  });
}

/** Proves no sequence leaked: more requests than sequences must all complete (they would queue forever otherwise). */
async function assertAllSequencesFree(provider: Provider): Promise<void> {
  const runs = await Promise.all(Array.from({ length: SEQUENCES + 1 }, () => collect(provider, req({ maxTokens: 4 }))));
  for (const events of runs) assert.equal(finishOf(events).reason, 'length');
}

describe('providers/llamacpp (real node-llama-cpp, tiny random model)', function () {
  this.timeout(30_000);
  let provider: Provider;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => {
    unhandled.push(e);
  };

  before(function () {
    assert.ok(existsSync(tinyModelPath), `the test model is missing at ${tinyModelPath}`);
    process.on('unhandledRejection', onUnhandled);
    provider = createLlamaCppProvider({ modelPath: tinyModelPath, sequences: SEQUENCES, contextSize: 1024 });
  });

  after(async function () {
    await provider?.close();
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, [], 'no unhandled rejections');
  });

  it('loads in the background: loading at once, then ready', async function () {
    const status = provider.status();
    assert.equal(status.id, 'local');
    assert.equal(status.state, 'loading');
    assert.deepEqual(status.models, ['default']);
    // A request made while the model loads waits for it.
    finishOf(await collect(provider, req({ maxTokens: 3 })));
    const ready = provider.status();
    assert.equal(ready.state, 'ready', ready.detail);
    assert.equal(ready.available, true);
    assert.match(ready.detail, /llama-2-tiny-random\.gguf/);
  });

  it('streams several text events, then one finish with usage', async function () {
    const events = await collect(provider, req({ maxTokens: 16 }));
    const texts = events.filter((e) => e.type === 'text');
    assert.ok(texts.length >= 2, `several text events, got ${texts.length}`);
    assert.ok(texts.every((e) => e.type === 'text' && e.text.length > 0));
    const finish = finishOf(events);
    assert.ok(finish.usage.inputTokens > 10, `prompt tokens counted: ${finish.usage.inputTokens}`);
    assert.ok(finish.usage.outputTokens > 0 && finish.usage.outputTokens <= 16);
  });

  it("stops at maxTokens with reason 'length'", async function () {
    const finish = finishOf(await collect(provider, req({ maxTokens: 5 })));
    assert.equal(finish.reason, 'length');
    assert.equal(finish.usage.outputTokens, 5);
  });

  it('counts more input tokens for a longer prompt', async function () {
    const short = finishOf(await collect(provider, req({ maxTokens: 2 }))).usage.inputTokens;
    const long = finishOf(
      await collect(provider, req({ maxTokens: 2, system: 'You are a terse assistant. '.repeat(20) })),
    ).usage.inputTokens;
    assert.ok(long > short + 50, `${long} > ${short} + 50`);
  });

  it('stops at a stop sequence and reports it', async function () {
    // Greedy sampling makes the random model deterministic: pick a later piece of its output as the stop sequence.
    const first = await collect(provider, req({ maxTokens: 12 }));
    const pieces = first.flatMap((e) => (e.type === 'text' ? [e.text] : []));
    const stop = pieces.slice(3).find((p) => p.trim().length > 1) ?? pieces[3]!;
    const events = await collect(provider, req({ maxTokens: 12, stop: [stop] }));
    const finish = finishOf(events);
    assert.equal(finish.reason, 'stop');
    assert.equal(finish.stopSequence, stop);
    assert.ok(!textOf(events).includes(stop), 'the stop sequence is not in the text');
  });

  it('an abort mid-stream ends the stream with a GatewayError and releases the sequence', async function () {
    for (let i = 0; i < SEQUENCES; i++) {
      const controller = new AbortController();
      let seen = 0;
      await rejectsWith(
        (async () => {
          for await (const event of provider.stream({ request: req({ maxTokens: 2000 }), model: 'default', signal: controller.signal })) {
            if (event.type === 'text' && ++seen === 2) controller.abort();
          }
        })(),
        (e) => assert.equal(e.code, 'request_aborted'),
      );
      assert.equal(seen, 2, 'no events after the abort');
    }
    await assertAllSequencesFree(provider);
  });

  it('a deadline (timeout signal) becomes upstream_timeout', async function () {
    await rejectsWith(collect(provider, req({ maxTokens: 100_000 }), AbortSignal.timeout(50)), (e) => {
      assert.equal(e.code, 'upstream_timeout');
      assert.equal(e.status, 504);
    });
  });

  it('breaking out of the loop early releases the sequence', async function () {
    for (let i = 0; i < SEQUENCES; i++) {
      for await (const event of provider.stream({ request: req({ maxTokens: 2000 }), model: 'default', signal: new AbortController().signal })) {
        if (event.type === 'text') break;
      }
    }
    await assertAllSequencesFree(provider);
  });

  it('an abort releases the sequence even when the consumer never resumes the stream', async function () {
    for (let i = 0; i < SEQUENCES; i++) {
      const controller = new AbortController();
      const iterator = provider.stream({ request: req({ maxTokens: 2000 }), model: 'default', signal: controller.signal })[Symbol.asyncIterator]();
      const first = await iterator.next();
      assert.equal(first.done, false);
      controller.abort(); // and never call next() or return() again
    }
    await assertAllSequencesFree(provider);
  });

  it('queues requests beyond the number of sequences (FIFO) and completes them all', async function () {
    const runs = await Promise.all(Array.from({ length: SEQUENCES * 3 }, (_, i) => collect(provider, req({ maxTokens: 8 + i }))));
    runs.forEach((events, i) => {
      const finish = finishOf(events);
      assert.equal(finish.reason, 'length');
      assert.equal(finish.usage.outputTokens, 8 + i);
    });
  });

  it('json_schema output parses and matches the schema', async function () {
    // Written in zod and converted, as clients of the gateway often do; every string and array is bounded.
    const Sea = z
      .object({
        name: z.string().max(12),
        mood: z.enum(['calm', 'rough']),
        ok: z.boolean(),
        tags: z.array(z.string().max(6)).max(3),
      })
      .strict();
    const schema = z.toJSONSchema(Sea) as Record<string, unknown>;
    for (const seed of [1, 2]) {
      const events = await collect(
        provider,
        req({ maxTokens: 300, temperature: 0.8, seed, responseFormat: { type: 'json_schema', name: 'sea', schema } }),
      );
      assert.equal(finishOf(events).reason, 'stop');
      const value = JSON.parse(textOf(events));
      assert.ok(Sea.safeParse(value).success, `matches the schema: ${textOf(events)}`);
    }
  });

  it('json_schema output the grammar cannot enforce is rejected as invalid_output', async function () {
    // The grammar bounds the length but ignores the pattern, which no string of 8 characters can match.
    const schema = { type: 'object', properties: { code: { type: 'string', maxLength: 8, pattern: '^z{10}$' } }, required: ['code'] };
    await rejectsWith(
      collect(provider, req({ maxTokens: 100, responseFormat: { type: 'json_schema', name: 'code', schema } })),
      (e) => {
        assert.equal(e.code, 'invalid_output');
        assert.equal(e.status, 502);
        assert.match(e.message, /code/);
      },
    );
  });

  it('json_object output is a JSON object, or invalid_output when cut off at maxTokens', async function () {
    // The json grammar bounds nothing, so random weights may run out of tokens: both outcomes are well-formed.
    try {
      const events = await collect(provider, req({ maxTokens: 200, responseFormat: { type: 'json_object' } }));
      assert.equal(finishOf(events).reason, 'stop');
      const value = JSON.parse(textOf(events));
      assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value));
    } catch (e) {
      assert.ok(e instanceof GatewayError, String(e));
      assert.equal(e.code, 'invalid_output');
      assert.match(e.message, /maxTokens=200/);
    }
  });

  it('a forced tool choice yields a tool call with JSON arguments', async function () {
    const events = await collect(
      provider,
      req({
        maxTokens: 100,
        tools: [
          { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 10 } }, required: ['city'] } },
          { name: 'noop', parameters: { type: 'object', properties: {} } },
        ],
        toolChoice: { type: 'tool', name: 'get_weather' },
      }),
    );
    assert.equal(finishOf(events).reason, 'tool_calls');
    const start = events.find((e) => e.type === 'tool_call_start');
    assert.ok(start && start.type === 'tool_call_start');
    assert.equal(start.name, 'get_weather');
    assert.match(start.id, /^call_[0-9a-f]{24}$/);
    const args = events.flatMap((e) => (e.type === 'tool_call_delta' && e.index === start.index ? [e.arguments] : [])).join('');
    assert.equal(typeof JSON.parse(args).city, 'string');
    assert.equal(events.filter((e) => e.type === 'text').length, 0);
  });

  it('serves a conversation with tools, tool calls and tool results', async function () {
    const events = await collect(
      provider,
      req({
        maxTokens: 8,
        tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 10 } } } }],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
          { role: 'assistant', content: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
          { role: 'user', content: [{ type: 'tool_result', toolCallId: 'call_1', content: '{"celsius":21}' }] },
        ],
      }),
    );
    // The random model rarely calls a function: either way the stream is well-formed.
    assert.ok(['length', 'stop', 'tool_calls'].includes(finishOf(events).reason));
  });

  it('renders tool calls and their results in the model turn', function () {
    const history = toChatHistory('sys', [
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_call', id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
      { role: 'user', content: [{ type: 'tool_result', toolCallId: 'c1', content: '{"celsius":21}' }, { type: 'tool_result', toolCallId: 'other', content: 'x', isError: true }] },
    ]);
    assert.deepEqual(history.map((h) => h.type), ['system', 'user', 'model', 'user', 'model']);
    const model = history[2];
    assert.ok(model?.type === 'model');
    assert.deepEqual(model.response[1], { type: 'functionCall', name: 'get_weather', params: { city: 'Paris' }, result: { celsius: 21 }, startsNewChunk: true });
    assert.ok(history[3]?.type === 'user' && history[3].text.includes('other') && history[3].text.includes('(error)'));
  });

  it('rejects images with a 400', async function () {
    await rejectsWith(
      collect(provider, req({ messages: [{ role: 'user', content: [{ type: 'image', url: 'data:image/png;base64,AA==' }] }] })),
      (e) => assert.equal(e.status, 400),
    );
  });

  it('rejects a prompt longer than the context with a 400', async function () {
    await rejectsWith(collect(provider, req({ system: 'word '.repeat(2000) })), (e) => {
      assert.equal(e.status, 400);
      assert.equal(e.code, 'context_length_exceeded');
    });
  });

  it('an unconfigured provider explains how to configure one', async function () {
    const unconfigured = createLlamaCppProvider({});
    const status = unconfigured.status();
    assert.equal(status.state, 'unconfigured');
    assert.equal(status.available, false);
    assert.match(status.detail, /SWITCHBOARD_LOCAL_MODEL/);
    assert.match(status.detail, /providers\.local\.model/);
    assert.match(status.detail, /hf:/);
    await rejectsWith(collect(unconfigured, req()), (e) => {
      assert.equal(e.status, 503);
      assert.match(e.message, /SWITCHBOARD_LOCAL_MODEL/);
    });
    await unconfigured.close();
  });

  it("a missing model file puts the provider in state 'error' with a clear message", async function () {
    const missing = '/nonexistent/switchboard-test/model.gguf';
    const broken = createLlamaCppProvider({ modelPath: missing });
    assert.equal(broken.status().state, 'loading');
    // A request made while it loads waits for the outcome and gets the reason.
    await rejectsWith(collect(broken, req()), (e) => {
      assert.equal(e.status, 503);
      assert.match(e.message, /not found/);
    });
    const status = broken.status();
    assert.equal(status.state, 'error');
    assert.equal(status.available, false);
    assert.ok(status.detail.includes(missing), status.detail);
    assert.match(status.detail, /SWITCHBOARD_LOCAL_MODEL/);
    await broken.close();
  });

  it('close() disposes the model; later requests get a 503', async function () {
    await provider.close();
    assert.notEqual(provider.status().state, 'ready');
    await rejectsWith(collect(provider, req()), (e) => assert.equal(e.status, 503));
  });
});
