/** Anthropic Messages request → canonical request. */
import type { CanonicalMessage, CanonicalRequest, ContentPart, ToolChoice } from '../../gateway/canonical.js';
import { InvalidRequestError } from '../../errors.js';
import { AnthropicRequestSchema, type AnthropicRequest } from '../../protocol/anthropic.js';
import { invalid, type ParsedRequest } from '../door.js';

export function parseAnthropicRequest(body: unknown): ParsedRequest {
  const parsed = AnthropicRequestSchema.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error, 'request body');
  const r = parsed.data;
  const request: CanonicalRequest = {
    model: r.model,
    system: r.system === undefined ? undefined : typeof r.system === 'string' ? r.system : r.system.map((b) => b.text).join('\n\n'),
    messages: r.messages.map(translateMessage).filter((m) => m.content.length > 0),
    maxTokens: r.max_tokens,
    temperature: r.temperature,
    topP: r.top_p,
    stop: r.stop_sequences?.length ? r.stop_sequences : undefined,
    user: r.metadata?.user_id ?? undefined,
    tools: r.tools?.map((t) => ({ name: t.name, description: t.description, parameters: t.input_schema })),
    toolChoice: toolChoice(r.tool_choice),
    parallelToolCalls: r.tool_choice && 'disable_parallel_tool_use' in r.tool_choice && r.tool_choice.disable_parallel_tool_use ? false : undefined,
  };
  if (request.messages.length === 0) throw new InvalidRequestError('messages: every message is empty');
  checkToolResults(request);
  if (request.messages[0]?.role !== 'user') throw new InvalidRequestError('messages.0.role: the first message must be a user message');
  return { request, stream: r.stream === true, includeUsage: true };
}

type Message = AnthropicRequest['messages'][number];

/** As Anthropic does: every tool_result must answer a tool_use of an earlier assistant turn. */
function checkToolResults(request: CanonicalRequest): void {
  const calls = new Set<string>();
  request.messages.forEach((m, i) => {
    for (const p of m.content) {
      if (p.type === 'tool_call') calls.add(p.id);
      if (p.type === 'tool_result' && !calls.has(p.toolCallId)) {
        throw new InvalidRequestError(`messages.${i}.content: tool_result "${p.toolCallId}" answers no tool_use of an earlier assistant message`);
      }
    }
  });
}

function translateMessage(m: Message): CanonicalMessage {
  if (typeof m.content === 'string') return { role: m.role, content: [{ type: 'text', text: m.content }] };
  const content: ContentPart[] = [];
  for (const b of m.content) {
    switch (b.type) {
      case 'text':
        content.push({ type: 'text', text: b.text as string });
        break;
      case 'image':
        content.push({
          type: 'image',
          url: b.source.type === 'url' ? b.source.url : `data:${b.source.media_type};base64,${b.source.data}`,
        });
        break;
      case 'tool_use':
        content.push({ type: 'tool_call', id: b.id, name: b.name, arguments: JSON.stringify(b.input) });
        break;
      case 'tool_result':
        content.push({
          type: 'tool_result',
          toolCallId: b.tool_use_id,
          content:
            b.content === undefined
              ? ''
              : typeof b.content === 'string'
                ? b.content
                : b.content.map((c) => (c.type === 'text' ? (c.text as string) : '[image]')).join(''),
          isError: b.is_error,
        });
        break;
      default:
        break; // thinking blocks from earlier turns: dropped (they cannot be sent to another provider)
    }
  }
  return { role: m.role, content };
}

function toolChoice(c: AnthropicRequest['tool_choice']): ToolChoice | undefined {
  if (!c) return undefined;
  switch (c.type) {
    case 'auto':
      return { type: 'auto' };
    case 'any':
      return { type: 'required' };
    case 'none':
      return { type: 'none' };
    case 'tool':
      return { type: 'tool', name: c.name };
  }
}
