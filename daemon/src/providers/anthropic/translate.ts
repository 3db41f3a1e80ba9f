/** Canonical request → Anthropic Messages parameters. */
import type { MessageCreateParamsNonStreaming, MessageParam, ContentBlockParam } from '@anthropic-ai/sdk/resources/messages/messages';
import type { CanonicalRequest, ResponseFormat } from '../../gateway/canonical.js';

/** Anthropic requires max_tokens; callers of the OpenAI door often omit it. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/** The parameters of a whole (non-streamed) call; a streamed one adds `stream: true`. */
export function toAnthropicParams(req: CanonicalRequest, model: string): MessageCreateParamsNonStreaming {
  const messages: MessageParam[] = [];
  for (const m of req.messages) {
    const blocks: ContentBlockParam[] = [];
    for (const p of m.content) {
      switch (p.type) {
        case 'text':
          if (p.text) blocks.push({ type: 'text', text: p.text });
          break;
        case 'image':
          blocks.push(imageBlock(p.url));
          break;
        case 'tool_call':
          blocks.push({ type: 'tool_use', id: p.id, name: p.name, input: parseArguments(p.arguments) });
          break;
        case 'tool_result':
          blocks.push({ type: 'tool_result', tool_use_id: p.toolCallId, content: p.content, ...(p.isError && { is_error: true }) });
          break;
      }
    }
    if (blocks.length === 0) continue;
    const last = messages.at(-1);
    if (last && last.role === m.role) (last.content as ContentBlockParam[]).push(...blocks);
    else messages.push({ role: m.role, content: blocks });
  }
  const system = [req.system, formatInstruction(req.responseFormat)].filter(Boolean).join('\n\n');
  const params: MessageCreateParamsNonStreaming = {
    model,
    messages,
    max_tokens: req.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
  };
  if (system) params.system = system;
  // The Messages API (SDK 1.14) no longer takes temperature/top_p: they are dropped rather than sent and refused.
  if (req.responseFormat?.type === 'json_schema') params.output_config = { format: { type: 'json_schema', schema: req.responseFormat.schema } };
  if (req.stop?.length) params.stop_sequences = req.stop;
  if (req.user) params.metadata = { user_id: req.user };
  if (req.tools?.length) {
    params.tools = req.tools.map((t) => ({
      name: t.name,
      ...(t.description !== undefined && { description: t.description }),
      input_schema: { type: 'object', ...t.parameters } as { type: 'object' },
    }));
  }
  if (req.toolChoice) {
    const noParallel = req.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
    const c = req.toolChoice;
    params.tool_choice =
      c.type === 'none' ? { type: 'none' } : c.type === 'tool' ? { type: 'tool', name: c.name, ...noParallel } : { type: c.type === 'required' ? 'any' : 'auto', ...noParallel };
  } else if (req.parallelToolCalls === false && req.tools?.length) {
    params.tool_choice = { type: 'auto', disable_parallel_tool_use: true };
  }
  return params;
}

function imageBlock(url: string): ContentBlockParam {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (m) {
    return {
      type: 'image',
      source: { type: 'base64', media_type: m[1] as 'image/png', data: m[2] as string },
    };
  }
  return { type: 'image', source: { type: 'url', url } };
}

function parseArguments(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { _raw: args };
  }
}

/** json_schema maps to output_config.format; plain JSON mode has no Anthropic equivalent, so it is asked for. */
function formatInstruction(f: ResponseFormat | undefined): string | undefined {
  return f?.type === 'json_object' ? 'Respond with a single JSON object and nothing else.' : undefined;
}
