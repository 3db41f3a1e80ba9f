/** Canonical response/events → Anthropic Messages wire format. */
import type { CanonicalEvent, CanonicalResponse, FinishReason, Usage } from '../../gateway/canonical.js';
import type { GatewayError } from '../../errors.js';
import { sse, type ResponseMeta, type StreamEncoder } from '../door.js';

const STOP_REASONS: Record<FinishReason, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

function stopReason(reason: FinishReason, stopSequence: string | undefined): string {
  return reason === 'stop' && stopSequence !== undefined ? 'stop_sequence' : STOP_REASONS[reason];
}

export function anthropicUsage(u: Usage) {
  return {
    input_tokens: u.inputTokens,
    output_tokens: u.outputTokens,
    cache_read_input_tokens: u.cachedInputTokens ?? 0,
    cache_creation_input_tokens: u.cacheWriteTokens ?? 0,
  };
}

const messageId = (meta: ResponseMeta) => `msg_${meta.requestId}`;

/** Tool arguments arrive as JSON text; Anthropic wants an object. Text that is not an object is wrapped. */
function toolInput(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { _raw: args };
  }
}

export function renderAnthropicResponse(r: CanonicalResponse, meta: ResponseMeta) {
  return {
    id: messageId(meta),
    type: 'message',
    role: 'assistant',
    model: meta.model,
    content: r.content.map((p) =>
      p.type === 'text' ? { type: 'text', text: p.text } : { type: 'tool_use', id: p.id, name: p.name, input: toolInput(p.arguments) },
    ),
    stop_reason: stopReason(r.finishReason, r.stopSequence),
    stop_sequence: r.stopSequence ?? null,
    usage: anthropicUsage(r.usage),
  };
}

/**
 * The full Anthropic event sequence: message_start, ping, then for each content block a start, deltas and a
 * stop, then message_delta (stop reason and usage) and message_stop. Input tokens are known only at the end
 * when the upstream is not Anthropic, so message_start reports 0 and message_delta the real figures.
 */
export function anthropicStreamEncoder(meta: ResponseMeta): StreamEncoder {
  let open: { index: number; kind: 'text' | 'tool'; toolIndex?: number } | undefined;
  let nextIndex = 0;
  const close = () => {
    if (!open) return '';
    const frame = sse({ type: 'content_block_stop', index: open.index }, 'content_block_stop');
    open = undefined;
    return frame;
  };
  return {
    start: () =>
      sse(
        {
          type: 'message_start',
          message: {
            id: messageId(meta),
            type: 'message',
            role: 'assistant',
            model: meta.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 0, output_tokens: 0 },
          },
        },
        'message_start',
      ) + sse({ type: 'ping' }, 'ping'),
    encode(e: CanonicalEvent): string {
      switch (e.type) {
        case 'text': {
          if (!e.text) return '';
          let out = '';
          if (open?.kind !== 'text') {
            out += close();
            open = { index: nextIndex++, kind: 'text' };
            out += sse({ type: 'content_block_start', index: open.index, content_block: { type: 'text', text: '' } }, 'content_block_start');
          }
          return out + sse({ type: 'content_block_delta', index: open.index, delta: { type: 'text_delta', text: e.text } }, 'content_block_delta');
        }
        case 'tool_call_start': {
          const out = close();
          open = { index: nextIndex++, kind: 'tool', toolIndex: e.index };
          return (
            out +
            sse(
              { type: 'content_block_start', index: open.index, content_block: { type: 'tool_use', id: e.id, name: e.name, input: {} } },
              'content_block_start',
            )
          );
        }
        case 'tool_call_delta':
          if (!open || open.kind !== 'tool' || open.toolIndex !== e.index || !e.arguments) return '';
          return sse(
            { type: 'content_block_delta', index: open.index, delta: { type: 'input_json_delta', partial_json: e.arguments } },
            'content_block_delta',
          );
        case 'finish':
          return (
            close() +
            sse(
              {
                type: 'message_delta',
                delta: { stop_reason: stopReason(e.reason, e.stopSequence), stop_sequence: e.stopSequence ?? null },
                usage: anthropicUsage(e.usage),
              },
              'message_delta',
            )
          );
      }
    },
    end: () => sse({ type: 'message_stop' }, 'message_stop'),
    error: (err) => sse(anthropicErrorBody(err), 'error'),
  };
}

const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  413: 'request_too_large',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  504: 'timeout_error',
};

export function anthropicErrorBody(err: GatewayError) {
  return { type: 'error', error: { type: ANTHROPIC_ERROR_TYPES[err.status] ?? 'api_error', message: err.message } };
}
