/** Canonical response/events → OpenAI Chat Completions wire format. */
import type { CanonicalEvent, CanonicalResponse, FinishReason, Usage } from '../../gateway/canonical.js';
import type { GatewayError } from '../../errors.js';
import { sse, type ResponseMeta, type StreamEncoder } from '../door.js';

export function openAIUsage(u: Usage) {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedInputTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens ?? 0 },
  };
}

const completionId = (meta: ResponseMeta) => `chatcmpl-${meta.requestId}`;

export function renderOpenAIResponse(r: CanonicalResponse, meta: ResponseMeta) {
  const text = r.content.filter((p) => p.type === 'text').map((p) => p.text).join('');
  const calls = r.content.filter((p) => p.type === 'tool_call');
  return {
    id: completionId(meta),
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text.length > 0 || calls.length === 0 ? text : null,
          refusal: null,
          ...(calls.length > 0 && {
            tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
          }),
        },
        logprobs: null,
        finish_reason: r.finishReason satisfies FinishReason,
      },
    ],
    usage: openAIUsage(r.usage),
  };
}

/** Chunks as OpenAI sends them: a role chunk, deltas, a finish chunk, an optional usage chunk, `[DONE]`. */
export function openAIStreamEncoder(meta: ResponseMeta, includeUsage: boolean): StreamEncoder {
  const id = completionId(meta);
  // Each chunk a literal of its own: one made as { ...base, choices } is promoted to the old generation by
  // V8 11 (Node 20) however short its life (bench/spreadPromotion.ts).
  const frame = (choices: object[], usage: object | null | undefined) =>
    sse(usage === undefined ? { id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices } : { id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices, usage });
  const chunk = (delta: object, finish: FinishReason | null = null) =>
    frame([{ index: 0, delta, logprobs: null, finish_reason: finish }], includeUsage ? null : undefined);
  return {
    start: () => chunk({ role: 'assistant', content: '' }),
    encode(e: CanonicalEvent): string {
      switch (e.type) {
        case 'text':
          return e.text ? chunk({ content: e.text }) : '';
        case 'tool_call_start':
          return chunk({ tool_calls: [{ index: e.index, id: e.id, type: 'function', function: { name: e.name, arguments: '' } }] });
        case 'tool_call_delta':
          return chunk({ tool_calls: [{ index: e.index, function: { arguments: e.arguments } }] });
        case 'finish':
          return chunk({}, e.reason) + (includeUsage ? frame([], openAIUsage(e.usage)) : '');
      }
    },
    end: () => 'data: [DONE]\n\n',
    error: (err) => sse(openAIErrorBody(err)),
  };
}

const OPENAI_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
};

export function openAIErrorBody(err: GatewayError) {
  return {
    error: {
      message: err.message,
      type: OPENAI_ERROR_TYPES[err.status] ?? (err.status >= 500 ? 'api_error' : 'invalid_request_error'),
      param: null,
      code: err.code,
    },
  };
}
