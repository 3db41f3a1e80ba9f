/** The routing and resilience part of switchboard.yaml: routes, tiering, deprecations, retries, breakers, timeouts. */
import { z } from 'zod';

export const TimeoutsSchema = z
  .object({
    firstTokenMs: z.number().int().positive().optional().describe('Time allowed from the start of an attempt to its first token.'),
    idleMs: z.number().int().positive().optional().describe('Time allowed between two chunks of a stream.'),
    totalMs: z.number().int().positive().optional().describe('Time allowed for a whole attempt.'),
  })
  .strict();

export const RetrySchema = z
  .object({
    attempts: z.number().int().min(0).max(10).optional().describe('Retries of one target after its first try (0 = no retry).'),
    baseDelayMs: z.number().int().min(0).optional().describe('First backoff delay; doubles each retry, with jitter.'),
    maxDelayMs: z.number().int().min(0).optional().describe('Longest backoff delay, and the longest retry-after honoured before moving on.'),
  })
  .strict();

const TargetSchema = z
  .object({
    model: z.string().min(1).describe('`provider/model`, an alias, or the name of another route.'),
    weight: z.number().positive().optional().describe('Share of traffic among the targets of one `balance` group.'),
    retry: RetrySchema.optional(),
    timeouts: TimeoutsSchema.optional(),
  })
  .strict();

const ChainEntrySchema = z.union([
  z.string().min(1),
  TargetSchema,
  z.object({ balance: z.array(z.union([z.string().min(1), TargetSchema])).min(1).describe('Equivalent targets, picked by weight.') }).strict(),
]);

export const TieredSchema = z
  .object({
    simple: z.string().min(1).describe('Model or route for simple requests (the cheap tier).'),
    complex: z.string().min(1).describe('Model or route for complex requests (the premium tier).'),
    threshold: z.number().min(0).max(1).default(0.5).describe('Complexity score at or above which a request is complex.'),
    weights: z
      .record(z.enum(['length', 'taskWords', 'code', 'math', 'tools', 'depth', 'reasoning', 'structuredOutput']), z.number().min(0))
      .optional()
      .describe('Override the weight of a classifier signal.'),
    complexWords: z.array(z.string().min(1)).optional().describe('Extra words that mark a request as complex.'),
  })
  .strict();

export const RouteSchema = z
  .object({
    targets: z.array(ChainEntrySchema).min(1).optional().describe('The fallback chain, tried in order.'),
    tiered: TieredSchema.optional(),
    retry: RetrySchema.optional(),
    timeouts: TimeoutsSchema.optional(),
    fallbackOnClientErrors: z.boolean().default(false).describe('Fall back also when a target refuses the request (400, 404, content policy).'),
    midStream: z
      .enum(['error', 'continue'])
      .default('error')
      .describe('After bytes reached the client: end the stream with an error event, or continue the answer on the next target.'),
    staticFallback: z.string().optional().describe('Answer served when every target failed and no cached answer exists.'),
  })
  .strict()
  .refine((r) => r.targets !== undefined || r.tiered !== undefined, { message: 'a route needs `targets` or `tiered`' });

export const ResilienceSchema = z
  .object({
    retry: RetrySchema.prefault({}),
    timeouts: TimeoutsSchema.prefault({}),
    deadlineMs: z.number().int().positive().default(600_000).describe('Overall time for one request, retries and fallbacks included.'),
    upstreamStreaming: z
      .enum(['as-client', 'always'])
      .default('as-client')
      .describe(
        'as-client: a caller that did not ask for a stream gets the provider\'s whole answer in one response (cheaper; only timeouts.totalMs applies to it). always: stream from the provider even then, so that firstTokenMs and idleMs catch a stalled upstream early.',
      ),
    circuitBreaker: z
      .object({
        windowMs: z.number().int().positive().default(60_000),
        minRequests: z.number().int().positive().default(20),
        errorRate: z.number().gt(0).max(1).default(0.05).describe('Failure share over the window that opens the circuit.'),
        cooldownMs: z.number().int().positive().default(30_000),
        halfOpenProbes: z.number().int().positive().default(2),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const DeprecationSchema = z
  .object({
    retiresOn: z.iso.date().describe('YYYY-MM-DD: from this day on, requests go to the replacement.'),
    replacement: z.string().min(1),
    warnDays: z.number().int().min(0).default(30).describe('Days before retirement during which responses carry a warning.'),
  })
  .strict();

export type RouteConfig = z.infer<typeof RouteSchema>;
export type ResilienceConfig = z.infer<typeof ResilienceSchema>;
export type RetryConfig = z.infer<typeof RetrySchema>;
export type TimeoutsConfig = z.infer<typeof TimeoutsSchema>;
export type TieredConfig = z.infer<typeof TieredSchema>;
export type ChainEntry = z.infer<typeof ChainEntrySchema>;
export type DeprecationConfig = z.infer<typeof DeprecationSchema>;
