/** Canonical request → OpenAI Chat Completions parameters. */
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam, ChatCompletionContentPart } from 'openai/resources/chat/completions';
import type { CanonicalRequest } from '../../gateway/canonical.js';

/** Reasoning models refuse `max_tokens`; OpenAI-compatible servers often know only `max_tokens`. */
const USES_MAX_COMPLETION_TOKENS = /^(o\d|gpt-5)/;

/** The parameters of a whole (non-streamed) call; a streamed one adds `stream` and `stream_options`. */
export function toOpenAIParams(req: CanonicalRequest, model: string): ChatCompletionCreateParamsNonStreaming {
  const messages: ChatCompletionMessageParam[] = [];
  if (req.system) messages.push({ role: 'system', content: req.system });
  for (const m of req.messages) {
    if (m.role === 'assistant') {
      const text = m.content.filter((p) => p.type === 'text').map((p) => p.text).join('');
      const calls = m.content.filter((p) => p.type === 'tool_call');
      messages.push({
        role: 'assistant',
        content: text || (calls.length ? null : ''),
        ...(calls.length && {
          tool_calls: calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
        }),
      });
      continue;
    }
    // Tool results must directly follow the assistant turn that called them, so they go first.
    for (const p of m.content) {
      if (p.type === 'tool_result') messages.push({ role: 'tool', tool_call_id: p.toolCallId, content: p.content });
    }
    const parts: ChatCompletionContentPart[] = [];
    for (const p of m.content) {
      if (p.type === 'text') parts.push({ type: 'text', text: p.text });
      else if (p.type === 'image') parts.push({ type: 'image_url', image_url: { url: p.url } });
    }
    if (parts.length === 0) continue;
    const textOnly = parts.every((p) => p.type === 'text');
    messages.push({ role: 'user', content: textOnly ? parts.map((p) => (p as { text: string }).text).join('') : parts });
  }
  const params: ChatCompletionCreateParamsNonStreaming = { model, messages };
  if (req.maxTokens !== undefined) {
    if (USES_MAX_COMPLETION_TOKENS.test(model)) params.max_completion_tokens = req.maxTokens;
    else params.max_tokens = req.maxTokens;
  }
  if (req.temperature !== undefined) params.temperature = req.temperature;
  if (req.topP !== undefined) params.top_p = req.topP;
  if (req.stop?.length) params.stop = req.stop;
  if (req.seed !== undefined) params.seed = req.seed;
  if (req.user !== undefined) params.user = req.user;
  if (req.tools?.length) {
    params.tools = req.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, ...(t.description !== undefined && { description: t.description }), parameters: t.parameters },
    }));
    if (req.parallelToolCalls !== undefined) params.parallel_tool_calls = req.parallelToolCalls;
  }
  if (req.toolChoice) {
    params.tool_choice = req.toolChoice.type === 'tool' ? { type: 'function', function: { name: req.toolChoice.name } } : req.toolChoice.type;
  }
  if (req.responseFormat) {
    const f = req.responseFormat;
    params.response_format =
      f.type === 'json_schema'
        ? { type: 'json_schema', json_schema: { name: f.name, schema: f.schema, ...(f.strict !== undefined && { strict: f.strict }) } }
        : { type: f.type };
  }
  return params;
}
