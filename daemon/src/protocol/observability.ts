/**
 * The observability part of the wire contract: one request-log record, the log query, feedback and the
 * summary the dashboard draws. Shared by the daemon, the CLI (`switchboard logs`) and the extension.
 */
import { z } from 'zod';

export const AttemptRecordSchema = z.object({
  target: z.string(),
  /** Milliseconds after the request arrived. */
  startMs: z.number(),
  /** `ok`, or the error class (timeout, rate_limited, upstream_5xx, unreachable, truncated, aborted …). */
  outcome: z.string(),
  status: z.number().optional(),
  latencyMs: z.number().optional(),
  ttftMs: z.number().optional(),
  error: z.string().optional(),
});
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;

export const UsageRecordSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cachedInputTokens: z.number().optional(),
  cacheWriteTokens: z.number().optional(),
  reasoningTokens: z.number().optional(),
});

/** One line of the request log: everything that happened to one HTTP request. */
export const RequestRecordSchema = z.object({
  id: z.string(),
  /** ISO time of arrival. */
  time: z.string(),
  durationMs: z.number(),
  via: z.enum(['tcp', 'socket']),
  method: z.string(),
  path: z.string(),
  /** HTTP status sent (499: the client went away before the answer). */
  status: z.number(),
  door: z.enum(['openai', 'anthropic']).optional(),
  /** Coarse failure class for metrics (auth, bad_request, rate_limited, budget, upstream_5xx, timeout, aborted …). */
  errorClass: z.string().optional(),
  /** The error's machine-readable code (invalid_api_key, upstream_timeout …). */
  errorCode: z.string().optional(),
  error: z.string().optional(),
  keyId: z.string().optional(),
  user: z.string().optional(),
  team: z.string().optional(),
  /** The model the client asked for. */
  model: z.string().optional(),
  route: z.string().optional(),
  /** The target that served the answer (`provider/model`). */
  target: z.string().optional(),
  stream: z.boolean().optional(),
  attempts: z.array(AttemptRecordSchema),
  /** Time to the first token as the client saw it. */
  ttftMs: z.number().optional(),
  /** Time the gateway itself added: the duration less the upstream attempts. */
  overheadMs: z.number().optional(),
  finishReason: z.string().optional(),
  cache: z.enum(['hit', 'semantic-hit', 'miss', 'bypass']).optional(),
  usage: UsageRecordSchema.optional(),
  /** US dollars. */
  cost: z.number().optional(),
  decisions: z.array(z.string()),
  /** Prompt and completion, only with `observability.requestLog.bodies: true`; secrets and PII redacted. */
  bodies: z.object({ system: z.string().optional(), messages: z.array(z.object({ role: z.string(), text: z.string() })), completion: z.string() }).optional(),
  /** Joined at read time from the feedback file. */
  feedback: z.object({ score: z.number(), scale: z.union([z.literal(2), z.literal(5)]), comment: z.string().optional(), time: z.string() }).optional(),
});
export type RequestRecord = z.infer<typeof RequestRecordSchema>;

/** GET /switchboard/v1/requests query (all optional). `since`/`until`: ISO time or a duration back (15m, 2h, 7d). */
export const LogQuerySchema = z.object({
  id: z.string().optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  route: z.string().optional(),
  target: z.string().optional(),
  /** 200, 4xx, 5xx, or `error` (any failure, including a failure inside a stream). */
  status: z.string().regex(/^(\d{3}|[1-5]xx|error|ok)$/, 'status is a code (429), a class (5xx), "ok" or "error"').optional(),
  key: z.string().optional(),
  user: z.string().optional(),
  team: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  /** NDJSON: the last `limit` matches, then every new one as it is written. */
  follow: z.enum(['true', 'false', '1', '0']).optional(),
});
export type LogQuery = z.infer<typeof LogQuerySchema>;

export const LogQueryResponseSchema = z.object({ records: z.array(RequestRecordSchema), dropped: z.number() });
export type LogQueryResponse = z.infer<typeof LogQueryResponseSchema>;

/** POST /switchboard/v1/feedback */
export const FeedbackRequestSchema = z
  .object({
    request_id: z.string().min(1).max(128),
    score: z.number().int(),
    /** 2 (thumbs: 1 up, -1 down; the default) or 5 (1–5 stars). */
    scale: z.union([z.literal(2), z.literal(5)]).default(2),
    comment: z.string().max(2000).optional(),
  })
  .strict()
  .refine((f) => (f.scale === 2 ? f.score === 1 || f.score === -1 : f.score >= 1 && f.score <= 5), {
    message: 'score must be 1 or -1 (thumbs), or 1 to 5 with "scale": 5',
    path: ['score'],
  });
export type FeedbackRequest = z.infer<typeof FeedbackRequestSchema>;

export const FeedbackResponseSchema = z.object({ request_id: z.string(), recorded: z.literal(true), satisfaction: z.number() });

export const SUMMARY_WINDOWS = { '5m': 5 * 60_000, '1h': 60 * 60_000, '24h': 24 * 60 * 60_000 } as const;
export type SummaryWindow = keyof typeof SUMMARY_WINDOWS;

const Percentiles = z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() });

export const SummaryGroupSchema = z.object({
  /** Route name, target, or `all`. */
  key: z.string(),
  requests: z.number(),
  errors: z.number(),
  errorRate: z.number(),
  latencyMs: Percentiles,
  ttftMs: Percentiles,
  tokens: z.object({ input: z.number(), output: z.number(), cached: z.number() }),
  cost: z.number(),
  cacheHits: z.number(),
  cacheHitRate: z.number(),
  /** Satisfaction: mean feedback score on 0..1 (thumbs up = 1, 5 stars = 1), null without feedback. */
  satisfaction: z.number().nullable(),
  feedbackCount: z.number(),
});
export type SummaryGroup = z.infer<typeof SummaryGroupSchema>;

export const SummaryPointSchema = z.object({
  /** Epoch ms at the start of the bucket. */
  t: z.number(),
  requests: z.number(),
  errors: z.number(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  ttftP50Ms: z.number().nullable(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cost: z.number(),
  cacheHits: z.number(),
  satisfaction: z.number().nullable(),
});
export type SummaryPoint = z.infer<typeof SummaryPointSchema>;

/** GET /switchboard/v1/summary?window=5m|1h|24h */
export const SummarySchema = z.object({
  window: z.enum(['5m', '1h', '24h']),
  from: z.number(),
  to: z.number(),
  total: SummaryGroupSchema,
  routes: z.array(SummaryGroupSchema),
  targets: z.array(SummaryGroupSchema),
  series: z.array(SummaryPointSchema),
  circuits: z.array(z.object({ target: z.string(), state: z.string() })),
  inFlight: z.number(),
  logDropped: z.number(),
});
export type Summary = z.infer<typeof SummarySchema>;

export const OBSERVABILITY_PATHS = {
  requests: '/switchboard/v1/requests',
  feedback: '/switchboard/v1/feedback',
  summary: '/switchboard/v1/summary',
  metrics: '/metrics',
} as const;
