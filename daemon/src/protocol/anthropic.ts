/** The Anthropic Messages request, as the Anthropic door accepts it. Unknown top-level fields are tolerated. */
import { z } from 'zod';

const textBlock = z.object({ type: z.literal('text'), text: z.string() }).loose();
const imageBlock = z.object({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string().min(1) }),
    z.object({ type: z.literal('url'), url: z.string().min(1) }),
  ]),
});
const toolUseBlock = z.object({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
});
const toolResultBlock = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock]))]).optional(),
  is_error: z.boolean().optional(),
});
/** Thinking blocks from earlier turns are accepted and dropped: they do not translate to other providers. */
const thinkingBlock = z.object({ type: z.enum(['thinking', 'redacted_thinking']) }).loose();

export const AnthropicContentBlockSchema = z.discriminatedUnion('type', [
  textBlock,
  imageBlock,
  toolUseBlock,
  toolResultBlock,
  thinkingBlock,
]);

export const AnthropicMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(AnthropicContentBlockSchema)]),
});

export const AnthropicRequestSchema = z
  .object({
    model: z.string().min(1),
    max_tokens: z.number().int().positive(),
    messages: z.array(AnthropicMessageSchema).min(1, 'messages must contain at least one message'),
    system: z.union([z.string(), z.array(textBlock)]).optional(),
    stop_sequences: z.array(z.string()).optional(),
    temperature: z.number().min(0).max(1).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().positive().optional(),
    stream: z.boolean().optional(),
    metadata: z.object({ user_id: z.string().nullish() }).loose().optional(),
    tools: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'tool names are 1-64 letters, digits, _ or -'),
            description: z.string().optional(),
            input_schema: z.record(z.string(), z.unknown()),
          })
          .loose(),
      )
      .optional(),
    tool_choice: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
        z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
        z.object({ type: z.literal('none') }),
        z.object({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
      ])
      .optional(),
  })
  .loose();
export type AnthropicRequest = z.infer<typeof AnthropicRequestSchema>;
