/**
 * The Anthropic door, driven by the official `@anthropic-ai/sdk` against the real daemon, served by each tier:
 * the fake Anthropic upstream, the fake OpenAI upstream (translated) and the real local model.
 */
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fakeAnthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, waitForTier, type TestDaemon } from '../helpers/daemon.js';
import { tinyModelPath } from '../helpers/paths.js';

describe('Anthropic door (official @anthropic-ai/sdk → daemon)', () => {
  let upstreamOpenAI: FakeOpenAI;
  let upstreamAnthropic: FakeAnthropic;
  let daemon: TestDaemon;
  let client: Anthropic;

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
      configYaml: 'aliases:\n  fast: anthropic/claude-haiku-4-5\n  smart: fast\n',
    });
    // The SDK sends the key as `Authorization: Bearer`; the x-api-key form is covered in the security suite.
    client = new Anthropic({ baseURL: daemon.url, apiKey: daemon.key, maxRetries: 0 });
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

  describe('served by the Anthropic tier', () => {
    it('answers non-streaming with content blocks, stop_reason and usage', async () => {
      const { data, response } = await client.messages
        .create({ model: 'anthropic/claude-haiku-4-5', max_tokens: 100, system: 'Be kind.', messages: [{ role: 'user', content: 'hello there' }] })
        .withResponse();
      assert.deepEqual(data.content, [{ type: 'text', text: 'echo: hello there' }]);
      assert.equal(data.stop_reason, 'end_turn');
      assert.equal(data.type, 'message');
      assert.ok(data.usage.input_tokens > 0 && data.usage.output_tokens > 0);
      assert.equal(response.headers.get('x-switchboard-provider'), 'anthropic');
      assert.equal(response.headers.get('x-switchboard-model'), 'claude-haiku-4-5');
      const sent = upstreamAnthropic.requests[0];
      assert.equal(sent?.body.system, 'Be kind.');
      assert.equal(sent?.body.model, 'claude-haiku-4-5');
      assert.equal(sent?.headers['x-api-key'] ?? sent?.headers.authorization?.replace('Bearer ', ''), upstreamAnthropic.apiKey);
    });

    it('streams the full event sequence into the same message', async () => {
      const stream = client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'stream this now' }] });
      const types: string[] = [];
      stream.on('streamEvent', (e) => types.push(e.type));
      const message = await stream.finalMessage();
      assert.deepEqual(message.content, [{ type: 'text', text: 'echo: stream this now' }]);
      assert.equal(message.stop_reason, 'end_turn');
      assert.ok(message.usage.output_tokens > 0);
      assert.equal(types[0], 'message_start');
      assert.equal(types.at(-1), 'message_stop');
      assert.equal(types.at(-2), 'message_delta');
      assert.ok(types.includes('content_block_start') && types.includes('content_block_delta') && types.includes('content_block_stop'));
    });

    it('resolves aliases from config, through a chain', async () => {
      const { response } = await client.messages.create({ model: 'smart', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).withResponse();
      assert.equal(response.headers.get('x-switchboard-model'), 'claude-haiku-4-5');
    });

    it('reports stop sequences', async () => {
      const m = await client.messages.create({
        model: 'anthropic/claude-haiku-4-5',
        max_tokens: 100,
        stop_sequences: ['three'],
        messages: [{ role: 'user', content: 'one two three four' }],
      });
      assert.equal(m.stop_reason, 'stop_sequence');
      assert.equal(m.stop_sequence, 'three');
    });
  });

  describe('served by the OpenAI tier (translated)', () => {
    it('translates system, stop sequences, max_tokens and metadata.user_id; usage in Anthropic format', async () => {
      const m = await client.messages.create({
        model: 'openai/gpt-4o-mini',
        max_tokens: 64,
        system: [{ type: 'text', text: 'System one.' }, { type: 'text', text: 'System two.' }],
        stop_sequences: ['STOP'],
        metadata: { user_id: 'user-42' },
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
          { role: 'user', content: [{ type: 'text', text: 'what now' }] },
        ],
      });
      assert.deepEqual(m.content, [{ type: 'text', text: 'echo: what now' }]);
      assert.equal(m.stop_reason, 'end_turn');
      assert.ok(m.usage.input_tokens > 0 && m.usage.output_tokens > 0);
      const sent = upstreamOpenAI.requests[0]?.body;
      assert.deepEqual(sent.messages, [
        { role: 'system', content: 'System one.\n\nSystem two.' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'what now' },
      ]);
      assert.equal(sent.max_tokens, 64);
      assert.deepEqual(sent.stop, ['STOP']);
      assert.equal(sent.user, 'user-42');
    });

    it('maps a length finish to max_tokens', async () => {
      const m = await client.messages.create({ model: 'gpt-4o-mini', max_tokens: 2, messages: [{ role: 'user', content: 'a b c d e' }] });
      assert.equal(m.stop_reason, 'max_tokens');
    });

    it('translates tools into OpenAI functions and tool calls back into tool_use blocks, streamed and not', async () => {
      const tools: Anthropic.Tool[] = [
        { name: 'get_time', description: 'Time in a zone', input_schema: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } },
      ];
      upstreamOpenAI.script([
        { toolCalls: [{ name: 'get_time', arguments: { zone: 'UTC' } }] },
        { toolCalls: [{ name: 'get_time', arguments: { zone: 'CET' } }] },
      ]);
      const m = await client.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 100, tools, tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'time?' }] });
      assert.equal(m.stop_reason, 'tool_use');
      const use = m.content.find((b) => b.type === 'tool_use');
      assert.ok(use && use.type === 'tool_use');
      assert.equal(use.name, 'get_time');
      assert.deepEqual(use.input, { zone: 'UTC' });
      const sent = upstreamOpenAI.requests[0]?.body;
      assert.deepEqual(sent.tools, [{ type: 'function', function: { name: 'get_time', description: 'Time in a zone', parameters: tools[0]?.input_schema } }]);
      assert.equal(sent.tool_choice, 'required');

      const streamed = await client.messages.stream({ model: 'openai/gpt-4o-mini', max_tokens: 100, tools, messages: [{ role: 'user', content: 'time in CET?' }] }).finalMessage();
      const streamedUse = streamed.content.find((b) => b.type === 'tool_use');
      assert.ok(streamedUse && streamedUse.type === 'tool_use');
      assert.deepEqual(streamedUse.input, { zone: 'CET' });
      assert.equal(streamed.stop_reason, 'tool_use');

      await client.messages.create({
        model: 'openai/gpt-4o-mini',
        max_tokens: 100,
        tools,
        messages: [
          { role: 'user', content: 'time?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: use.id, name: 'get_time', input: { zone: 'UTC' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '12:00' }, { type: 'text', text: 'thanks' }] },
        ],
      });
      const third = upstreamOpenAI.requests[2]?.body;
      assert.deepEqual(third.messages[1], {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: use.id, type: 'function', function: { name: 'get_time', arguments: '{"zone":"UTC"}' } }],
      });
      assert.deepEqual(third.messages[2], { role: 'tool', tool_call_id: use.id, content: '12:00' });
      assert.deepEqual(third.messages[3], { role: 'user', content: 'thanks' });
    });
  });

  describe('served by the local tier', () => {
    it('streams text with usage in the Anthropic event format', async () => {
      const stream = client.messages.stream({ model: 'local/default', max_tokens: 12, messages: [{ role: 'user', content: 'hello' }] });
      let deltas = 0;
      stream.on('text', () => deltas++);
      const m = await stream.finalMessage();
      assert.ok(deltas > 1, `${deltas} text deltas`);
      assert.equal(m.stop_reason, 'max_tokens');
      assert.equal(m.usage.output_tokens, 12);
      assert.ok(m.usage.input_tokens > 0, 'input tokens reported in message_delta');
      const text = m.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      assert.ok(text.length > 0);
    });
  });
});
