/**
 * The OpenAI tier. The official SDK resolves the configuration and supplies the error classes; requests go
 * through the lean client (leanClient.ts). Retries and fallback are the gateway's.
 */
import OpenAI from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { CanonicalEvent, CanonicalResponse, FinishReason, Usage } from '../../gateway/canonical.js';
import { UpstreamError } from '../../errors.js';
import type { Provider, ProviderCall, TierStatus } from '../provider.js';
import { mapSdkError } from '../sdkErrors.js';
import { createLeanClient } from './leanClient.js';
import { toOpenAIParams } from './translate.js';

export interface OpenAIProviderOptions {
  apiKey?: string;
  baseURL?: string;
  timeoutMs?: number;
  models?: string[];
}

export const OPENAI_DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'gpt-4.1-mini', 'o4-mini'];

const FINISH: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

export function createOpenAIProvider(opts: OpenAIProviderOptions): Provider {
  const client = opts.apiKey
    ? new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, timeout: opts.timeoutMs ?? 60_000 })
    : undefined;
  // The SDK resolves the configuration (base URL, organization, project from the environment); the request
  // itself goes through the lean path, which costs a fraction of the SDK's fetch (see leanClient.ts).
  const lean = client && opts.apiKey
    ? createLeanClient({ apiKey: opts.apiKey, baseURL: client.baseURL, organization: client.organization, project: client.project, timeoutMs: client.timeout })
    : undefined;
  const models = opts.models ?? OPENAI_DEFAULT_MODELS;
  return {
    id: 'openai',
    status(): TierStatus {
      return client
        ? { id: 'openai', available: true, state: 'ready', detail: `OpenAI at ${client.baseURL}`, models }
        : { id: 'openai', available: false, state: 'unconfigured', detail: 'Set OPENAI_API_KEY (or providers.openai.apiKey in switchboard.yaml) to enable the OpenAI tier.', models };
    },
    async *stream(call: ProviderCall): AsyncIterable<CanonicalEvent> {
      if (!lean) throw new UpstreamError('The OpenAI tier is not configured: set OPENAI_API_KEY.', 503, 'provider_not_configured');
      try {
        // Added to the translated parameters rather than spread into a copy (see bench/spreadPromotion.ts).
        const params = Object.assign(toOpenAIParams(call.request, call.model), { stream: true as const, stream_options: { include_usage: true } });
        let finish: FinishReason | undefined;
        let usage: Usage = { inputTokens: 0, outputTokens: 0 };
        const started = new Set<number>();
        for await (const chunk of lean.stream(params, call.signal)) {
          if (chunk.usage) usage = toUsage(chunk.usage);
          const choice = chunk.choices[0];
          if (!choice) continue;
          const delta = choice.delta;
          if (delta?.content) yield { type: 'text', text: delta.content };
          for (const tc of delta?.tool_calls ?? []) {
            if (!started.has(tc.index)) {
              started.add(tc.index);
              yield { type: 'tool_call_start', index: tc.index, id: tc.id ?? `call_${tc.index}`, name: tc.function?.name ?? '' };
            }
            if (tc.function?.arguments) yield { type: 'tool_call_delta', index: tc.index, arguments: tc.function.arguments };
          }
          if (choice.finish_reason) finish = FINISH[choice.finish_reason] ?? 'stop';
        }
        if (!finish) throw new UpstreamError('OpenAI ended the stream without a finish_reason: the answer was truncated.', undefined, 'upstream_truncated');
        yield { type: 'finish', reason: finish, usage };
      } catch (e) {
        throw mapSdkError(e, 'OpenAI', call.signal, [opts.apiKey]);
      }
    },
    async complete(call: ProviderCall): Promise<CanonicalResponse> {
      if (!lean) throw new UpstreamError('The OpenAI tier is not configured: set OPENAI_API_KEY.', 503, 'provider_not_configured');
      try {
        return toResponse(await lean.complete(toOpenAIParams(call.request, call.model), call.signal));
      } catch (e) {
        throw mapSdkError(e, 'OpenAI', call.signal, [opts.apiKey]);
      }
    },
    async close() {
      await lean?.close();
    },
  };
}

function toUsage(u: NonNullable<ChatCompletion['usage']>): Usage {
  return {
    inputTokens: u.prompt_tokens,
    outputTokens: u.completion_tokens,
    cachedInputTokens: u.prompt_tokens_details?.cached_tokens ?? undefined,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? undefined,
  };
}

function toResponse(completion: ChatCompletion): CanonicalResponse {
  const choice = completion.choices[0];
  if (!choice?.finish_reason) throw new UpstreamError('OpenAI answered without a finish_reason: the answer was truncated.', undefined, 'upstream_truncated');
  const content: CanonicalResponse['content'] = [];
  const message = choice.message;
  if (message?.content) content.push({ type: 'text', text: message.content });
  for (const [i, tc] of (message?.tool_calls ?? []).entries()) {
    if (tc.type === 'function') content.push({ type: 'tool_call', id: tc.id ?? `call_${i}`, name: tc.function.name, arguments: tc.function.arguments ?? '' });
  }
  return {
    content,
    finishReason: FINISH[choice.finish_reason] ?? 'stop',
    usage: completion.usage ? toUsage(completion.usage) : { inputTokens: 0, outputTokens: 0 },
  };
}
