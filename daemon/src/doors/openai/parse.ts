/** OpenAI Chat Completions request → canonical request. */
import type { CanonicalMessage, CanonicalRequest, ContentPart, ResponseFormat, ToolChoice } from '../../gateway/canonical.js';
import { InvalidRequestError } from '../../errors.js';
import { OpenAIChatRequestSchema, type OpenAIChatRequest, type OpenAIMessage } from '../../protocol/openai.js';
import { invalid, type ParsedRequest } from '../door.js';

export function parseOpenAIRequest(body: unknown): ParsedRequest {
  const parsed = OpenAIChatRequestSchema.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error, 'request body');
  const r = parsed.data;
  const { system, messages } = translateMessages(r.messages);
  if (messages.length === 0) throw new InvalidRequestError('messages must contain at least one user or assistant message');
  const request: CanonicalRequest = {
    model: r.model,
    system,
    messages,
    maxTokens: r.max_completion_tokens ?? r.max_tokens ?? undefined,
    temperature: r.temperature ?? undefined,
    topP: r.top_p ?? undefined,
    stop: r.stop == null ? undefined : Array.isArray(r.stop) ? r.stop : [r.stop],
    seed: r.seed ?? undefined,
    user: r.user,
    tools: r.tools?.map((t) => ({
      name: t.function.name,
      description: t.function.description,
      parameters: t.function.parameters ?? { type: 'object', properties: {} },
    })),
    toolChoice: toolChoice(r.tool_choice),
    parallelToolCalls: r.parallel_tool_calls,
    responseFormat: responseFormat(r.response_format),
  };
  if (request.toolChoice?.type === 'tool' && !request.tools?.some((t) => t.name === (request.toolChoice as { name: string }).name)) {
    throw new InvalidRequestError(`tool_choice names function "${request.toolChoice.name}", which is not in tools`);
  }
  return { request, stream: r.stream === true, includeUsage: r.stream_options?.include_usage === true };
}

function text(content: string | { type: 'text'; text: string }[]): string {
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

/**
 * System and developer messages become the canonical system prompt (joined in order); `tool` messages become
 * tool_result parts of a user turn; consecutive turns of one role merge, as Anthropic requires.
 */
function translateMessages(input: OpenAIMessage[]): { system?: string; messages: CanonicalMessage[] } {
  const system: string[] = [];
  const messages: CanonicalMessage[] = [];
  const push = (role: CanonicalMessage['role'], parts: ContentPart[]) => {
    if (parts.length === 0) return;
    const last = messages.at(-1);
    if (last && last.role === role) last.content.push(...parts);
    else messages.push({ role, content: parts });
  };
  const knownCalls = new Set<string>();
  for (const [i, m] of input.entries()) {
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(text(m.content));
        break;
      case 'user':
        push(
          'user',
          typeof m.content === 'string'
            ? [{ type: 'text', text: m.content }]
            : m.content.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : { type: 'image', url: p.image_url.url })),
        );
        break;
      case 'assistant': {
        const parts: ContentPart[] = [];
        const t = m.content == null ? '' : typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p.text : p.refusal)).join('');
        if (t) parts.push({ type: 'text', text: t });
        for (const c of m.tool_calls ?? []) {
          knownCalls.add(c.id);
          parts.push({ type: 'tool_call', id: c.id, name: c.function.name, arguments: c.function.arguments });
        }
        if (parts.length === 0) parts.push({ type: 'text', text: '' });
        push('assistant', parts);
        break;
      }
      case 'tool':
        if (!knownCalls.has(m.tool_call_id)) {
          throw new InvalidRequestError(`messages.${i}.tool_call_id: "${m.tool_call_id}" answers no tool call made by an earlier assistant message`);
        }
        push('user', [{ type: 'tool_result', toolCallId: m.tool_call_id, content: text(m.content) }]);
        break;
    }
  }
  return { system: system.length ? system.join('\n\n') : undefined, messages };
}

function toolChoice(c: OpenAIChatRequest['tool_choice']): ToolChoice | undefined {
  if (c === undefined) return undefined;
  if (typeof c === 'string') return { type: c };
  return { type: 'tool', name: c.function.name };
}

function responseFormat(f: OpenAIChatRequest['response_format']): ResponseFormat | undefined {
  if (!f) return undefined;
  if (f.type !== 'json_schema') return { type: f.type };
  return {
    type: 'json_schema',
    name: f.json_schema.name,
    schema: f.json_schema.schema ?? { type: 'object' },
    strict: f.json_schema.strict ?? undefined,
  };
}
