/**
 * The OpenAI door, driven by the official `openai` SDK against the real daemon, served by each of the three
 * tiers: the fake OpenAI upstream, the fake Anthropic upstream (translated), and the real local model.
 */
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fakeAnthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, waitForTier, type TestDaemon } from '../helpers/daemon.js';
import { tinyModelPath } from '../helpers/paths.js';

describe('OpenAI door (official openai SDK → daemon)', () => {
  let upstreamOpenAI: FakeOpenAI;
  let upstreamAnthropic: FakeAnthropic;
  let daemon: TestDaemon;
  let client: OpenAI;

  before(async () => {
    upstreamOpenAI = await startFakeOpenAI();
    upstreamAnthropic = await startFakeAnthropic();
    daemon = await spawnDaemon({
      env: {
        OPENAI_API_KEY: upstreamOpenAI.apiKey,
        OPENAI_BASE_URL: upstreamOpenAI.url,
        ANTHROPIC_API_KEY: upstreamAnthropic.apiKey,
        ANTHROPIC_BASE_URL: upstreamAnthropic.url,
        SWITCHBOARD_LOCAL_MODEL: tinyModelPath,
      },
    });
    client = new OpenAI({ baseURL: daemon.openaiURL, apiKey: daemon.key, maxRetries: 0 });
    await waitForTier(daemon, 'local');
  });
  after(async () => {
    await daemon?.stop();
    await upstreamOpenAI?.close();
    await upstreamAnthropic?.close();
  });
  beforeEach(() => {
    upstreamOpenAI.reset();
    upstreamAnthropic.reset();
  });

  describe('served by the OpenAI tier', () => {
    it('answers non-streaming with usage, finish_reason and the routing headers', async () => {
      const { data, response } = await client.chat.completions
        .create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] })
        .withResponse();
      assert.equal(data.choices[0]?.message.content, 'echo: hello there');
      assert.equal(data.choices[0]?.finish_reason, 'stop');
      assert.ok(data.usage && data.usage.prompt_tokens > 0 && data.usage.completion_tokens > 0);
      assert.equal(data.usage.total_tokens, data.usage.prompt_tokens + data.usage.completion_tokens);
      assert.equal(response.headers.get('x-switchboard-provider'), 'openai');
      assert.equal(response.headers.get('x-switchboard-model'), 'gpt-4o-mini');
      assert.match(response.headers.get('x-request-id') ?? '', /^[a-f0-9]{32}$/);
      assert.equal(upstreamOpenAI.requests[0]?.body.model, 'gpt-4o-mini');
      assert.equal(upstreamOpenAI.requests[0]?.headers.authorization, `Bearer ${upstreamOpenAI.apiKey}`, 'the provider key goes upstream, not the caller\'s');
    });

    it('streams chunks, then a usage chunk when include_usage is set', async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'one two three four' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let deltas = 0;
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | undefined | null;
      for await (const chunk of stream) {
        const c = chunk.choices[0];
        if (c?.delta.content) {
          text += c.delta.content;
          deltas++;
        }
        if (c?.finish_reason) finish = c.finish_reason;
        if (chunk.usage) usage = chunk.usage;
      }
      assert.equal(text, 'echo: one two three four');
      assert.ok(deltas >= 3, `streamed in ${deltas} deltas`);
      assert.equal(finish, 'stop');
      assert.ok(usage && usage.completion_tokens > 0);
    });

    it('passes parameters through and maps max_tokens to finish_reason length', async () => {
      const r = await client.chat.completions.create({
        model: 'openai/gpt-4o-mini',
        messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'a b c d e f g h' }],
        max_tokens: 3,
        temperature: 0.2,
        top_p: 0.9,
        stop: ['zzz'],
        seed: 7,
        user: 'u-1',
      });
      assert.equal(r.choices[0]?.finish_reason, 'length');
      const sent = upstreamOpenAI.requests[0]?.body;
      assert.equal(sent.max_tokens, 3);
      assert.equal(sent.temperature, 0.2);
      assert.equal(sent.top_p, 0.9);
      assert.deepEqual(sent.stop, ['zzz']);
      assert.equal(sent.seed, 7);
      assert.equal(sent.user, 'u-1');
      assert.deepEqual(sent.messages[0], { role: 'system', content: 'be brief' });
    });

    it('round-trips a tool call and its result, streamed and not', async () => {
      const tools: OpenAI.ChatCompletionTool[] = [
        { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
      ];
      upstreamOpenAI.script({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
      const first = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'weather in Paris?' }], tools });
      const call = first.choices[0]?.message.tool_calls?.[0];
      assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
      assert.ok(call && call.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });

      upstreamOpenAI.script({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] });
      const stream = client.chat.completions.stream({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'and Rome?' }], tools, stream: true });
      const final = await stream.finalChatCompletion();
      const streamedCall = final.choices[0]?.message.tool_calls?.[0];
      assert.ok(streamedCall && streamedCall.type === 'function');
      assert.deepEqual(JSON.parse(streamedCall.function.arguments), { city: 'Rome' });

      const answer = await client.chat.completions.create({
        model: 'openai/gpt-4o-mini',
        messages: [
          { role: 'user', content: 'weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 C' },
        ],
        tools,
      });
      assert.equal(answer.choices[0]?.message.content, 'echo: sunny, 21 C');
      const sent = upstreamOpenAI.requests.at(-1)?.body;
      assert.deepEqual(sent.messages[2], { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 C' });
      assert.equal(sent.tools[0].function.name, 'get_weather');
    });
  });

  describe('served by the Anthropic tier (translated)', () => {
    it('translates system prompt, roles, stop sequences and max tokens, and reports usage in OpenAI format', async () => {
      const r = await client.chat.completions.create({
        model: 'anthropic/claude-haiku-4-5',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'first' },
          { role: 'assistant', content: 'ok' },
          { role: 'user', content: 'say something' },
        ],
        max_tokens: 50,
        stop: ['END'],
      });
      assert.equal(r.choices[0]?.message.content, 'echo: say something');
      assert.equal(r.model, 'anthropic/claude-haiku-4-5');
      assert.ok(r.usage && r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
      const sent = upstreamAnthropic.requests[0]?.body;
      assert.equal(sent.system, 'You are terse.');
      assert.equal(sent.max_tokens, 50);
      assert.deepEqual(sent.stop_sequences, ['END']);
      assert.deepEqual(
        sent.messages.map((m: { role: string }) => m.role),
        ['user', 'assistant', 'user'],
      );
    });

    it('streams text and a final usage chunk', async () => {
      const stream = await client.chat.completions.create({
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: 'stream me please' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | undefined | null;
      let finish: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
        if (chunk.usage) usage = chunk.usage;
      }
      assert.equal(text, 'echo: stream me please');
      assert.equal(finish, 'stop');
      assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    });

    it('translates tools, tool_choice and tool results both ways', async () => {
      const tools: OpenAI.ChatCompletionTool[] = [
        { type: 'function', function: { name: 'lookup', description: 'Look up a fact', parameters: { type: 'object', properties: { q: { type: 'string' } } } } },
      ];
      upstreamAnthropic.script({ toolCalls: [{ name: 'lookup', arguments: { q: 'tides' } }] });
      const r = await client.chat.completions.create({
        model: 'anthropic/claude-haiku-4-5',
        messages: [{ role: 'user', content: 'when are the tides?' }],
        tools,
        tool_choice: { type: 'function', function: { name: 'lookup' } },
      });
      const call = r.choices[0]?.message.tool_calls?.[0];
      assert.equal(r.choices[0]?.finish_reason, 'tool_calls');
      assert.ok(call && call.type === 'function');
      assert.deepEqual(JSON.parse(call.function.arguments), { q: 'tides' });
      const sent = upstreamAnthropic.requests[0]?.body;
      assert.deepEqual(sent.tools[0], { name: 'lookup', description: 'Look up a fact', input_schema: { type: 'object', properties: { q: { type: 'string' } } } });
      assert.deepEqual(sent.tool_choice, { type: 'tool', name: 'lookup' });

      await client.chat.completions.create({
        model: 'anthropic/claude-haiku-4-5',
        messages: [
          { role: 'user', content: 'when are the tides?' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: 'high at 6' },
        ],
        tools,
      });
      const next = upstreamAnthropic.requests[1]?.body;
      assert.deepEqual(next.messages[1].content, [{ type: 'tool_use', id: call.id, name: 'lookup', input: { q: 'tides' } }]);
      assert.deepEqual(next.messages[2].content, [{ type: 'tool_result', tool_use_id: call.id, content: 'high at 6' }]);
    });
  });

  describe('served by the local tier (real node-llama-cpp, tiny random model)', () => {
    it('streams text with usage', async () => {
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'local/default', messages: [{ role: 'user', content: 'hello' }], max_tokens: 16, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      assert.equal(response.headers.get('x-switchboard-provider'), 'local');
      let deltas = 0;
      let usage: OpenAI.CompletionUsage | undefined | null;
      let finish: string | null = null;
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) deltas++;
        if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
        if (chunk.usage) usage = chunk.usage;
      }
      assert.ok(deltas > 1, `got ${deltas} deltas`);
      assert.equal(finish, 'length');
      assert.ok(usage && usage.prompt_tokens > 0);
      assert.equal(usage.completion_tokens, 16);
    });

    it('enforces response_format json_schema with a grammar', async () => {
      const r = await client.chat.completions.create({
        model: 'local/default',
        messages: [{ role: 'user', content: 'give me a person' }],
        max_tokens: 200,
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'person',
            schema: { type: 'object', properties: { name: { type: 'string', maxLength: 12 }, age: { type: 'integer' } }, required: ['name', 'age'], additionalProperties: false },
          },
        },
      });
      const parsed = JSON.parse(r.choices[0]?.message.content ?? '') as { name: unknown; age: unknown };
      assert.equal(typeof parsed.name, 'string');
      assert.ok(Number.isInteger(parsed.age));
    });

    it('is what `auto` picks when it is the only tier, and /v1/models lists every tier', async () => {
      const models = await client.models.list();
      const ids = models.data.map((m) => m.id);
      for (const id of ['auto', 'openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5', 'local/default']) assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
      // With OpenAI configured, auto goes there first.
      const { response } = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'x' }] }).withResponse();
      assert.equal(response.headers.get('x-switchboard-provider'), 'openai');
    });
  });
});
