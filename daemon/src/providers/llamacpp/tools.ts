import type { ChatModelFunctions, GbnfJsonSchema } from 'node-llama-cpp';
import type { CanonicalRequest, JsonSchema, ToolDefinition } from '../../gateway/canonical.js';
import { InvalidRequestError } from '../../errors.js';

/**
 * How a request's tools reach the model.
 * - `functions`: node-llama-cpp's function calling. The chat wrapper documents the functions in the prompt
 *   and, once the model writes the wrapper's call prefix (e.g. `||call: ` for the general wrapper), the
 *   call is grammar-constrained to a known name and its parameter schema. Whether a call happens at all is
 *   the model's decision: a small or random-weight model almost never makes one.
 * - `forced`: `toolChoice` required / a named tool. node-llama-cpp has no way to force a function call, so
 *   the whole reply is grammar-constrained to `{"name": …, "arguments": …}` and turned into a tool call.
 *   One call per reply (parallel forced calls are not supported).
 */
export type ToolPlan =
  | { kind: 'none' }
  | { kind: 'functions'; functions: ChatModelFunctions; maxParallel?: number }
  | { kind: 'forced'; schema: JsonSchema; instructions: string; names: string[] };

export function planTools(request: CanonicalRequest): ToolPlan {
  const tools = request.tools ?? [];
  const choice = request.toolChoice ?? { type: 'auto' };
  if (tools.length === 0) {
    if (choice.type === 'required' || choice.type === 'tool') {
      throw new InvalidRequestError('tool_choice requires a tool, but the request defines no tools.', 'invalid_tool_choice');
    }
    return { kind: 'none' };
  }
  if (choice.type === 'none') return { kind: 'none' };
  if (choice.type === 'auto') {
    const functions: Record<string, { description?: string; params?: GbnfJsonSchema }> = {};
    for (const tool of tools) {
      functions[tool.name] = {
        ...(tool.description ? { description: tool.description } : {}),
        params: tool.parameters as unknown as GbnfJsonSchema,
      };
    }
    return { kind: 'functions', functions, ...(request.parallelToolCalls === false ? { maxParallel: 1 } : {}) };
  }

  let chosen: ToolDefinition[] = tools;
  if (choice.type === 'tool') {
    const tool = tools.find((t) => t.name === choice.name);
    if (!tool) {
      throw new InvalidRequestError(`tool_choice names "${choice.name}", which is not among the request's tools.`, 'invalid_tool_choice');
    }
    chosen = [tool];
  }
  const variants = chosen.map((tool) => ({
    type: 'object',
    properties: { name: { const: tool.name }, arguments: tool.parameters },
    required: ['name', 'arguments'],
    additionalProperties: false,
  }));
  const schema: JsonSchema = variants.length === 1 ? variants[0]! : { oneOf: variants };
  return { kind: 'forced', schema, instructions: forcedInstructions(chosen), names: chosen.map((t) => t.name) };
}

/** Parses the grammar-constrained reply of a forced tool call. */
export function parseForcedCall(text: string): { name: string; arguments: string } | undefined {
  try {
    const value = JSON.parse(text) as { name?: unknown; arguments?: unknown };
    if (typeof value.name !== 'string' || value.arguments === undefined) return undefined;
    return { name: value.name, arguments: JSON.stringify(value.arguments) };
  } catch {
    return undefined;
  }
}

function forcedInstructions(tools: ToolDefinition[]): string {
  const list = tools
    .map((t) => `- ${t.name}${t.description ? `: ${t.description}` : ''}\n  arguments (JSON schema): ${JSON.stringify(t.parameters)}`)
    .join('\n');
  return (
    `You must call ${tools.length === 1 ? 'this tool' : 'one of these tools'} now. ` +
    `Reply only with a JSON object {"name": <tool name>, "arguments": <arguments object>}.\n${list}`
  );
}
