/** The Anthropic tier, through the official SDK with its own retries off: retries and fallback are the gateway's. */
import { abortSignalOf } from '../../gateway/cancel.js';
import type Anthropic from '@anthropic-ai/sdk';
import type { Message, Usage as AnthropicUsage } from '@anthropic-ai/sdk/resources/messages/messages';
import type { CanonicalEvent, CanonicalResponse, FinishReason, Usage } from '../../gateway/canonical.js';
import { collect } from '../../gateway/collect.js';
import { UpstreamError } from '../../errors.js';
import type { Provider, ProviderCall, TierStatus } from '../provider.js';
import { mapSdkError } from '../sdkErrors.js';
import { toAnthropicParams } from './translate.js';

export interface AnthropicProviderOptions {
  apiKey?: string;
  baseURL?: string;
  timeoutMs?: number;
  models?: string[];
}

/** The SDK's own default (the config already resolved ANTHROPIC_BASE_URL into opts.baseURL). */
const SDK_DEFAULT_BASE_URL = 'https://api.anthropic.com';

export const ANTHROPIC_DEFAULT_MODELS = ['claude-haiku-4-5', 'claude-sonnet-4-5', 'claude-opus-4-1'];

/**
 * Above this many output tokens the SDK refuses a whole (non-streamed) call ("streaming is required for
 * operations that may take longer than 10 minutes"): such calls are streamed and collected instead.
 */
const LONGEST_WHOLE_ANSWER = 21_333;
/** The SDK's own timeout for a whole answer; the gateway's watchdog (timeouts.totalMs) ends it sooner. */
const WHOLE_ANSWER_TIMEOUT_MS = 10 * 60_000;

const FINISH: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function createAnthropicProvider(opts: AnthropicProviderOptions): Provider {
  // The SDK (1 MB of bundled code, with OpenTelemetry's API) is loaded on the tier's first call, not at start-up:
  // an idle daemon, or one without an Anthropic key, never reads or evaluates it (it is a chunk of its own).
  let sdkClient: Promise<Anthropic> | undefined;
  const client = opts.apiKey
    ? () =>
        (sdkClient ??= import('@anthropic-ai/sdk').then(
          ({ default: Sdk }) => new Sdk({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, timeout: opts.timeoutMs ?? 60_000 }),
        ))
    : undefined;
  const models = opts.models ?? ANTHROPIC_DEFAULT_MODELS;
  return {
    id: 'anthropic',
    status(): TierStatus {
      return client
        ? { id: 'anthropic', available: true, state: 'ready', detail: `Anthropic at ${opts.baseURL ?? SDK_DEFAULT_BASE_URL}`, models }
        : { id: 'anthropic', available: false, state: 'unconfigured', detail: 'Set ANTHROPIC_API_KEY (or providers.anthropic.apiKey in switchboard.yaml) to enable the Anthropic tier.', models };
    },
    async *stream(call: ProviderCall): AsyncIterable<CanonicalEvent> {
      if (!client) throw new UpstreamError('The Anthropic tier is not configured: set ANTHROPIC_API_KEY.', 503, 'provider_not_configured');
      try {
        const stream = await (await client()).messages.create({ ...toAnthropicParams(call.request, call.model), stream: true }, { signal: abortSignalOf(call.signal) });
        const usage: Usage = { inputTokens: 0, outputTokens: 0 };
        let finish: FinishReason | undefined;
        let stopSequence: string | undefined;
        let stopped = false;
        let toolIndex = 0;
        const toolOfBlock = new Map<number, number>();
        for await (const ev of stream) {
          switch (ev.type) {
            case 'message_start':
              Object.assign(usage, toUsage(ev.message.usage));
              break;
            case 'content_block_start':
              if (ev.content_block.type === 'tool_use') {
                const index = toolIndex++;
                toolOfBlock.set(ev.index, index);
                yield { type: 'tool_call_start', index, id: ev.content_block.id, name: ev.content_block.name };
              } else if (ev.content_block.type === 'text' && ev.content_block.text) {
                yield { type: 'text', text: ev.content_block.text };
              }
              break;
            case 'content_block_delta':
              if (ev.delta.type === 'text_delta') yield { type: 'text', text: ev.delta.text };
              else if (ev.delta.type === 'input_json_delta' && toolOfBlock.has(ev.index)) {
                yield { type: 'tool_call_delta', index: toolOfBlock.get(ev.index) as number, arguments: ev.delta.partial_json };
              }
              break;
            case 'message_delta':
              if (ev.delta.stop_reason) finish = FINISH[ev.delta.stop_reason] ?? 'stop';
              if (ev.delta.stop_sequence) stopSequence = ev.delta.stop_sequence;
              usage.outputTokens = ev.usage.output_tokens;
              if (ev.usage.input_tokens != null) usage.inputTokens = ev.usage.input_tokens;
              break;
            case 'message_stop':
              stopped = true;
              break;
          }
        }
        if (!stopped || !finish) throw new UpstreamError('Anthropic ended the stream without message_stop: the answer was truncated.', undefined, 'upstream_truncated');
        yield { type: 'finish', reason: finish, usage, ...(stopSequence !== undefined && { stopSequence }) };
      } catch (e) {
        throw mapSdkError(e, 'Anthropic', call.signal, [opts.apiKey]);
      }
    },
    async complete(call: ProviderCall): Promise<CanonicalResponse> {
      if (!client) throw new UpstreamError('The Anthropic tier is not configured: set ANTHROPIC_API_KEY.', 503, 'provider_not_configured');
      const params = toAnthropicParams(call.request, call.model);
      if (params.max_tokens > LONGEST_WHOLE_ANSWER) return collect(this.stream(call));
      try {
        return toResponse(await (await client()).messages.create(params, { signal: abortSignalOf(call.signal), timeout: WHOLE_ANSWER_TIMEOUT_MS }));
      } catch (e) {
        throw mapSdkError(e, 'Anthropic', call.signal, [opts.apiKey]);
      }
    },
    async close() {},
  };
}

function toUsage(u: AnthropicUsage): Usage {
  return {
    inputTokens: u.input_tokens,
    outputTokens: u.output_tokens,
    ...(u.cache_read_input_tokens && { cachedInputTokens: u.cache_read_input_tokens }),
    ...(u.cache_creation_input_tokens && { cacheWriteTokens: u.cache_creation_input_tokens }),
  };
}

function toResponse(message: Message): CanonicalResponse {
  if (!message.stop_reason || !Array.isArray(message.content)) {
    throw new UpstreamError('Anthropic answered without a stop_reason: the answer was truncated.', undefined, 'upstream_truncated');
  }
  const content: CanonicalResponse['content'] = [];
  for (const block of message.content) {
    if (block.type === 'text') {
      const last = content.at(-1);
      if (last?.type === 'text') last.text += block.text;
      else content.push({ type: 'text', text: block.text });
    } else if (block.type === 'tool_use') {
      content.push({ type: 'tool_call', id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
    }
  }
  return {
    content,
    finishReason: FINISH[message.stop_reason] ?? 'stop',
    usage: toUsage(message.usage),
    ...(message.stop_sequence && { stopSequence: message.stop_sequence }),
  };
}
