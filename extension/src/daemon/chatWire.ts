/**
 * The streamed chat chunk and the error envelope, as the extension reads them. daemon/src/protocol has the
 * request schema but not yet these two; they belong there (see the report on issue 3) and this file goes away
 * once they exist. Kept loose: unknown fields are tolerated, only what the extension uses is checked.
 */
import { z } from 'zod';

export const ChatChunkSchema = z
  .object({
    id: z.string().optional(),
    model: z.string().optional(),
    choices: z
      .array(
        z
          .object({
            index: z.number().optional(),
            delta: z.object({ content: z.string().nullish() }).loose().nullish(),
            finish_reason: z.string().nullish(),
          })
          .loose(),
      )
      .default([]),
    usage: z
      .object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() })
      .loose()
      .nullish(),
  })
  .loose();
export type ChatChunk = z.infer<typeof ChatChunkSchema>;

export const ErrorEnvelopeSchema = z.object({
  error: z
    .object({
      message: z.string(),
      type: z.string().nullish(),
      code: z.union([z.string(), z.number()]).nullish(),
    })
    .loose(),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;
