/**
 * Proves the fake upstreams speak the real wire formats by driving them with the official SDKs.
 */
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeAnthropic, type FakeAnthropic } from './fakeAnthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from './fakeOpenAI.js';

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

describe('fake OpenAI upstream', () => {
  let fake: FakeOpenAI;
  let client: OpenAI;

  before(async () => {
    fake = await startFakeOpenAI();
    client = new OpenAI({ baseURL: fake.url, apiKey: fake.apiKey, maxRetries: 0, timeout: 5000 });
  });
  afterEach(() => fake.reset());
  after(() => fake.close());

  const user = (text: string) => [{ role: 'user' as const, content: text }];

  it('answers a non-streaming completion with an echo, usage and finish_reason, and records the request', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hello there world') });
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.model, 'gpt-4o-mini');
    assert.equal(res.choices[0]!.message.content, 'echo: hello there world');
    assert.equal(res.choices[0]!.finish_reason, 'stop');
    assert.deepEqual([res.usage!.prompt_tokens, res.usage!.completion_tokens, res.usage!.total_tokens], [3, 4, 7]);
    assert.equal(fake.requests.length, 1);
    const rec = fake.requests[0]!;
    assert.equal(rec.path, '/v1/chat/completions');
    assert.equal(rec.headers.authorization, `Bearer ${fake.apiKey}`);
    assert.equal(rec.body.model, 'gpt-4o-mini');
    assert.equal(rec.completed, true);
  });

  it('streams word chunks, a finish chunk and a usage chunk with choices: [] before [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini', messages: user('one two three'), stream: true, stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let finish: string | null = null;
    let usageChunk: OpenAI.ChatCompletionChunk | undefined;
    for await (const chunk of stream) {
      if (chunk.choices.length === 0) usageChunk = chunk;
      for (const c of chunk.choices) {
        if (c.delta.content) pieces.push(c.delta.content);
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    assert.deepEqual(pieces, ['echo:', ' one', ' two', ' three']);
    assert.equal(finish, 'stop');
    assert.equal(usageChunk?.usage?.completion_tokens, 4);
    assert.equal(usageChunk?.usage?.prompt_tokens, 3);
  });

  it('ends with data: [DONE] on the wire and omits usage without include_usage', async () => {
    const res = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: user('hi'), stream: true }),
    });
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const text = await res.text();
    assert.ok(text.endsWith('data: [DONE]\n\n'));
    assert.ok(!text.includes('"usage"'));
  });

  it('makes a tool call, non-streaming and streaming (id, name, then argument fragments)', async () => {
    fake.script({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] }, { times: 2 });
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages: user('weather?'), tools: [weatherTool] });
    const call = res.choices[0]!.message.tool_calls![0]!;
    assert.equal(res.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(res.choices[0]!.message.content, null);
    assert.ok(call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });

    const stream = client.chat.completions.stream({ model: 'gpt-4o', messages: user('weather?'), tools: [weatherTool] });
    let fragments = 0;
    for await (const chunk of stream) if (chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments) fragments++;
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0]!.message.tool_calls![0]!;
    assert.ok(streamed.type === 'function');
    assert.deepEqual(JSON.parse(streamed.function.arguments), { city: 'Paris' });
    assert.equal(final.choices[0]!.finish_reason, 'tool_calls');
    assert.ok(fragments >= 2, `expected several argument fragments, got ${fragments}`);
  });

  it('ignores a scripted tool call when the request declares no tools', async () => {
    fake.script({ toolCalls: [{ name: 'x' }] });
    const res = await client.chat.completions.create({ model: 'm', messages: user('plain') });
    assert.equal(res.choices[0]!.message.content, 'echo: plain');
    assert.equal(res.choices[0]!.message.tool_calls, undefined);
  });

  it('honours max_tokens / max_completion_tokens (length) and stop', async () => {
    const a = await client.chat.completions.create({ model: 'm', messages: user('a b c d e'), max_tokens: 2 });
    assert.equal(a.choices[0]!.message.content, 'echo: a');
    assert.equal(a.choices[0]!.finish_reason, 'length');
    const b = await client.chat.completions.create({ model: 'm', messages: user('a b c d e'), max_completion_tokens: 3 });
    assert.equal(b.choices[0]!.message.content, 'echo: a b');
    const c = await client.chat.completions.create({ model: 'm', messages: user('red green blue'), stop: [' blue', 'zzz'] });
    assert.equal(c.choices[0]!.message.content, 'echo: red green');
    assert.equal(c.choices[0]!.finish_reason, 'stop');
  });

  it('uses scripted text, usage and finish_reason', async () => {
    fake.script({ text: 'custom reply', usage: { inputTokens: 100, outputTokens: 7, cacheReadTokens: 40 }, finishReason: 'length' });
    const res = await client.chat.completions.create({ model: 'm', messages: user('x') });
    assert.equal(res.choices[0]!.message.content, 'custom reply');
    assert.equal(res.choices[0]!.finish_reason, 'length');
    assert.equal(res.usage!.prompt_tokens, 100);
    assert.equal(res.usage!.total_tokens, 107);
    assert.equal(res.usage!.prompt_tokens_details?.cached_tokens, 40);
  });

  it('maps scripted statuses to the SDK error classes, with retry-after and the OpenAI error shape', async () => {
    fake.script([{ status: 429, retryAfter: 3 }, { status: 500 }, { status: 400, error: { message: 'bad thing', code: 'bad' } }]);
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: user('x') }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.RateLimitError);
      assert.equal(e.headers?.get('retry-after'), '3');
      assert.equal(e.code, 'rate_limit_exceeded');
      return true;
    });
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: user('x') }), OpenAI.InternalServerError);
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: user('x') }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError);
      assert.match(e.message, /bad thing/);
      assert.equal(e.code, 'bad');
      return true;
    });
  });

  it('rejects a wrong key with 401 without consuming the script', async () => {
    fake.script({ status: 500 });
    const bad = new OpenAI({ baseURL: fake.url, apiKey: 'sk-wrong', maxRetries: 0 });
    await assert.rejects(bad.chat.completions.create({ model: 'm', messages: user('x') }), OpenAI.AuthenticationError);
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: user('x') }), OpenAI.InternalServerError);
  });

  it('lists models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['gpt-4o-mini', 'gpt-4o']);
  });

  it('raises an APIError without status for a mid-stream error frame', async () => {
    fake.script({ streamError: { afterChunks: 2, message: 'boom' } });
    const stream = await client.chat.completions.create({ model: 'm', messages: user('a b c d'), stream: true });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const c of stream) if (c.choices[0]?.delta.content) seen.push(c.choices[0].delta.content);
      })(),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === undefined && /boom/.test(e.message),
    );
    assert.deepEqual(seen, ['echo:', ' a']);
  });

  it('stalls after K chunks until the client aborts, and records the abort', async () => {
    fake.script({ stallAfterChunks: 1 });
    const ctrl = new AbortController();
    const stream = await client.chat.completions.create({ model: 'm', messages: user('a b c'), stream: true }, { signal: ctrl.signal });
    const seen: string[] = [];
    const timer = setTimeout(() => ctrl.abort(), 150);
    for await (const c of stream) if (c.choices[0]?.delta.content) seen.push(c.choices[0].delta.content);
    clearTimeout(timer);
    assert.deepEqual(seen, ['echo:']);
    await waitFor(() => fake.requests[0]!.clientAborted);
    assert.equal(fake.requests[0]!.completed, false);
    assert.equal(fake.openResponses(), 0);
  });

  it('cuts the connection after K chunks (no finish_reason arrives)', async () => {
    fake.script({ cutAfterChunks: 2 });
    const stream = await client.chat.completions.create({ model: 'm', messages: user('a b c'), stream: true });
    const seen: string[] = [];
    let finish: string | null = null;
    try {
      for await (const c of stream) {
        if (c.choices[0]?.delta.content) seen.push(c.choices[0].delta.content);
        finish ??= c.choices[0]?.finish_reason ?? null;
      }
    } catch {
      // undici reports the cut as "terminated"; either way the stream is truncated.
    }
    assert.deepEqual(seen, ['echo:', ' a']);
    assert.equal(finish, null);
    assert.equal(fake.requests[0]!.clientAborted, false);
  });

  it('cuts a non-streaming request before any response (connection error)', async () => {
    fake.script({ cutAfterChunks: 0 });
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: user('x') }), OpenAI.APIConnectionError);
  });

  it('delays headers (SDK timeout fires) and delays between chunks', async () => {
    fake.script({ delayHeadersMs: 1000 });
    const impatient = new OpenAI({ baseURL: fake.url, apiKey: fake.apiKey, maxRetries: 0, timeout: 100 });
    await assert.rejects(impatient.chat.completions.create({ model: 'm', messages: user('x') }), OpenAI.APIConnectionTimeoutError);

    fake.script({ chunkDelayMs: 30 });
    const started = Date.now();
    const stream = await client.chat.completions.create({ model: 'm', messages: user('a b'), stream: true });
    for await (const _ of stream) void _;
    assert.ok(Date.now() - started >= 80, 'three deltas at 30 ms each');
  });

  it('serves queued behaviours in order, by match, by times, and from a function', async () => {
    fake.script({ text: 'for claude' }, { match: (r) => r.body?.model === 'special' });
    fake.script([{ text: 'first' }, { text: 'second' }]);
    fake.script((r) => ({ text: `saw ${r.body.messages.length}` }), { times: Infinity });
    const ask = async (model = 'm') => (await client.chat.completions.create({ model, messages: user('x') })).choices[0]!.message.content;
    assert.equal(await ask(), 'first');
    assert.equal(await ask('special'), 'for claude');
    assert.equal(await ask(), 'second');
    assert.equal(await ask(), 'saw 1');
    assert.equal(await ask(), 'saw 1');
    await fake.waitForRequests(5);
    fake.reset();
    assert.equal(await ask(), 'echo: x');
  });
});

describe('fake Anthropic upstream', () => {
  let fake: FakeAnthropic;
  let client: Anthropic;

  before(async () => {
    fake = await startFakeAnthropic();
    client = new Anthropic({ baseURL: fake.url, apiKey: fake.apiKey, maxRetries: 0, timeout: 5000 });
  });
  afterEach(() => fake.reset());
  after(() => fake.close());

  const user = (text: string) => [{ role: 'user' as const, content: text }];
  const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }];

  it('answers a non-streaming message with a text block, stop_reason and usage; SDK sends Bearer + version', async () => {
    const msg = await client.messages.create({ model: 'claude-x', max_tokens: 100, system: 'be brief', messages: user('hello world') });
    assert.equal(msg.type, 'message');
    assert.equal(msg.role, 'assistant');
    assert.equal(msg.model, 'claude-x');
    assert.deepEqual(msg.content.map((b) => b.type), ['text']);
    assert.equal(msg.content[0]!.type === 'text' && msg.content[0].text, 'echo: hello world');
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.stop_sequence, null);
    assert.deepEqual([msg.usage.input_tokens, msg.usage.output_tokens], [4, 3]);
    const rec = fake.requests[0]!;
    assert.equal(rec.path, '/v1/messages');
    assert.equal(rec.headers.authorization, `Bearer ${fake.apiKey}`);
    assert.ok(rec.headers['anthropic-version']);
  });

  it('accepts x-api-key, and requires anthropic-version', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'c', max_tokens: 10, messages: user('hi') }),
      });
    const ok = await post({ 'x-api-key': fake.apiKey, 'anthropic-version': '2023-06-01' });
    assert.equal(ok.status, 200);
    const noVersion = await post({ 'x-api-key': fake.apiKey });
    assert.equal(noVersion.status, 400);
    assert.deepEqual(((await noVersion.json()) as { type: string; error: { type: string } }).error.type, 'invalid_request_error');
    const wrong = await post({ 'x-api-key': 'nope', 'anthropic-version': '2023-06-01' });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { type: string }).type, 'error');
  });

  it('streams the full event sequence, pings included', async () => {
    const res = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': fake.apiKey, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'c', max_tokens: 10, messages: user('a b'), stream: true }),
    });
    const events = [...(await res.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    assert.deepEqual(events, [
      'message_start', 'content_block_start', 'ping',
      'content_block_delta', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
  });

  it('streams through the SDK into the same message as the non-streaming call', async () => {
    const stream = client.messages.stream({ model: 'c', max_tokens: 100, messages: user('one two three') });
    const deltas: string[] = [];
    stream.on('text', (t) => deltas.push(t));
    const final = await stream.finalMessage();
    assert.deepEqual(deltas, ['echo:', ' one', ' two', ' three']);
    assert.equal(final.content[0]!.type === 'text' && final.content[0].text, 'echo: one two three');
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, 4);
    assert.equal(final.usage.input_tokens, 3);
  });

  it('makes tool_use calls (input_json_delta when streaming)', async () => {
    fake.script({ text: 'Let me check.', toolCalls: [{ arguments: { city: 'Oslo' } }] }, { times: 2 });
    const msg = await client.messages.create({ model: 'c', max_tokens: 100, messages: user('weather?'), tools });
    assert.equal(msg.stop_reason, 'tool_use');
    assert.deepEqual(msg.content.map((b) => b.type), ['text', 'tool_use']);
    const use = msg.content[1]!;
    assert.ok(use.type === 'tool_use');
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { city: 'Oslo' });
    assert.match(use.id, /^toolu_/);

    const raw = await client.messages.create({ model: 'c', max_tokens: 100, messages: user('weather?'), tools, stream: true });
    const json: string[] = [];
    const types: string[] = [];
    let stop: string | null = null;
    for await (const ev of raw) {
      types.push(ev.type);
      if (ev.type === 'content_block_delta' && ev.delta.type === 'input_json_delta') json.push(ev.delta.partial_json);
      if (ev.type === 'message_delta') stop = ev.delta.stop_reason;
    }
    assert.ok(json.length >= 2);
    assert.deepEqual(JSON.parse(json.join('')), { city: 'Oslo' });
    assert.equal(stop, 'tool_use');
    assert.equal(types.filter((t) => t === 'content_block_start').length, 2);
  });

  it('reports max_tokens and stop_sequence', async () => {
    const a = await client.messages.create({ model: 'c', max_tokens: 2, messages: user('a b c d') });
    assert.equal(a.stop_reason, 'max_tokens');
    assert.equal(a.content[0]!.type === 'text' && a.content[0].text, 'echo: a');
    const b = await client.messages.create({ model: 'c', max_tokens: 100, messages: user('red green blue'), stop_sequences: ['green'] });
    assert.equal(b.stop_reason, 'stop_sequence');
    assert.equal(b.stop_sequence, 'green');
    assert.equal(b.content[0]!.type === 'text' && b.content[0].text, 'echo: red ');
  });

  it('maps scripted statuses to the SDK error classes with the Anthropic error shape', async () => {
    fake.script([{ status: 429, retryAfter: 5 }, { status: 529 }, { status: 500 }]);
    await assert.rejects(client.messages.create({ model: 'c', max_tokens: 5, messages: user('x') }), (e: unknown) => {
      assert.ok(e instanceof Anthropic.RateLimitError);
      assert.equal(e.headers?.get('retry-after'), '5');
      assert.deepEqual((e.error as { type: string; error: { type: string } }).error.type, 'rate_limit_error');
      return true;
    });
    await assert.rejects(client.messages.create({ model: 'c', max_tokens: 5, messages: user('x') }), Anthropic.OverloadedError);
    await assert.rejects(client.messages.create({ model: 'c', max_tokens: 5, messages: user('x') }), Anthropic.InternalServerError);
    const bad = new Anthropic({ baseURL: fake.url, apiKey: 'wrong', maxRetries: 0 });
    await assert.rejects(bad.messages.create({ model: 'c', max_tokens: 5, messages: user('x') }), Anthropic.AuthenticationError);
  });

  it('sends an event: error frame mid-stream (APIError without status)', async () => {
    fake.script({ streamError: { afterChunks: 1, type: 'overloaded_error', message: 'Overloaded' } });
    const raw = await client.messages.create({ model: 'c', max_tokens: 100, messages: user('a b c'), stream: true });
    const types: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const ev of raw) types.push(ev.type);
      })(),
      (e: unknown) => e instanceof Anthropic.APIError && e.status === undefined && /overloaded/i.test(e.message),
    );
    assert.deepEqual(types, ['message_start', 'content_block_start', 'content_block_delta']);
  });

  it('stalls, cuts, and honours scripted usage / stop reason', async () => {
    fake.script({ stallAfterChunks: 0 });
    const ctrl = new AbortController();
    const raw = await client.messages.create({ model: 'c', max_tokens: 100, messages: user('x'), stream: true }, { signal: ctrl.signal });
    const timer = setTimeout(() => ctrl.abort(), 100);
    const types: string[] = [];
    for await (const ev of raw) types.push(ev.type);
    clearTimeout(timer);
    assert.deepEqual(types, ['message_start', 'content_block_start']);
    await waitFor(() => fake.requests[0]!.clientAborted);

    fake.script({ cutAfterChunks: 0 });
    await assert.rejects(client.messages.create({ model: 'c', max_tokens: 5, messages: user('x') }), Anthropic.APIConnectionError);

    fake.script({ usage: { inputTokens: 9, outputTokens: 2, cacheReadTokens: 5 }, stopReason: 'refusal' });
    const msg = await client.messages.stream({ model: 'c', max_tokens: 100, messages: user('x') }).finalMessage();
    assert.equal(msg.stop_reason, 'refusal');
    assert.deepEqual([msg.usage.input_tokens, msg.usage.output_tokens, msg.usage.cache_read_input_tokens], [9, 2, 5]);
  });

  it('lists models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['claude-sonnet-4-5', 'claude-haiku-4-5']);
  });
});

describe('fake upstream lifecycle', () => {
  it('close() ends stalled responses and keep-alive connections promptly', async () => {
    const fake = await startFakeOpenAI({ defaultBehaviour: { stallAfterChunks: 0 } });
    const client = new OpenAI({ baseURL: fake.url, apiKey: fake.apiKey, maxRetries: 0 });
    const pending = client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    const outcome = pending.then(() => 'resolved', () => 'rejected');
    await fake.waitForRequests(1);
    const started = Date.now();
    await fake.close();
    assert.ok(Date.now() - started < 1000);
    assert.equal(await outcome, 'rejected');
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
