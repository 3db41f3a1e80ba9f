/**
 * The switchboard.yaml sections of access and cost control: where counters live (`store`), rate limits
 * (`limits`), token and money budgets (`budgets`) and the price table (`prices`). Imported by config/schema.ts.
 */
import { z } from 'zod';

const count = z.number().int().positive();

/** Requests and tokens per minute, each a token bucket (see README: "Rate limits"). */
export const RateSchema = z
  .object({
    rpm: count.optional().describe('Requests per minute.'),
    tpm: count.optional().describe('Tokens per minute, input + output.'),
    burstRequests: count.optional().describe('Requests that may arrive at once (bucket size); default: rpm.'),
    burstTokens: count.optional().describe('Tokens that may be spent at once (bucket size); default: tpm.'),
  })
  .strict();
export type Rate = z.infer<typeof RateSchema>;

export const BudgetLimitSchema = z
  .object({
    tokens: count.optional().describe('Input + output tokens in the period.'),
    usd: z.number().positive().optional().describe('Money in US dollars in the period, from the price table.'),
    softPercent: z.number().min(1).max(100).default(80).describe('Above this share of a limit responses carry a warning header and the log warns.'),
  })
  .strict();
export type BudgetLimit = z.infer<typeof BudgetLimitSchema>;

export const BudgetSchema = z
  .object({ day: BudgetLimitSchema.optional(), month: BudgetLimitSchema.optional() })
  .strict()
  .describe('Budgets per UTC day and per calendar month (UTC).');
export type Budget = z.infer<typeof BudgetSchema>;

export const PriceSchema = z
  .object({
    input: z.number().min(0).describe('USD per million uncached input tokens.'),
    output: z.number().min(0).describe('USD per million output tokens.'),
    cachedInput: z.number().min(0).optional().describe('USD per million cached (read) input tokens; default: input.'),
    cacheWrite: z.number().min(0).optional().describe('USD per million tokens written to the prompt cache; default: input.'),
    reasoning: z.number().min(0).optional().describe('USD per million reasoning tokens; default: output.'),
  })
  .strict();
export type Price = z.infer<typeof PriceSchema>;

export const StoreSchema = z
  .object({
    mode: z.enum(['embedded', 'redis']).default('embedded').describe('`embedded`: counters and ledger in the data folder. `redis`: shared by every replica.'),
    redis: z
      .object({
        url: z.string().min(1).default('redis://127.0.0.1:6379').describe('redis:// URL; `${env:REDIS_URL}` interpolation works.'),
        prefix: z.string().regex(/^[A-Za-z0-9._:-]*$/).default('switchboard:').describe('Prefix of every key Switchboard writes.'),
        timeoutMs: count.default(500).describe('Longest wait for Redis on a request; then `onUnavailable` applies.'),
        onUnavailable: z
          .enum(['closed', 'open'])
          .default('closed')
          .describe('`closed`: refuse model calls (503) while Redis is unreachable. `open`: serve them unmetered, with a warning header and log line.'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const LimitsSchema = z
  .object({
    request: z
      .object({
        maxInputTokens: count.optional().describe('Largest prompt one request may send (counted before the call).'),
        maxOutputTokens: count.optional().describe('Largest max_tokens one request may ask for.'),
        onExceed: z.enum(['reject', 'clamp']).default('reject').describe('`clamp` lowers max_tokens to the maximum; prompts over the input maximum are always rejected.'),
        defaultOutputTokens: count
          .default(1024)
          .describe('When a request sends no max_tokens and a token limit or budget applies, it is capped at this, so the reservation bounds the real cost.'),
      })
      .strict()
      .prefault({}),
    key: RateSchema.optional().describe('Per virtual key (a key\'s own limits win).'),
    user: RateSchema.optional().describe('Per key owner (the `user` of a key).'),
    team: RateSchema.optional().describe('Per team.'),
    endUser: RateSchema.optional().describe('Per end user named by the request (`user` field, Anthropic `metadata.user_id`, or `x-switchboard-end-user`).'),
    models: z.record(z.string().min(1), RateSchema).default({}).describe('Per model or route, as the client names it or as `provider/model`; `*` globs allowed.'),
  })
  .strict();

export const BudgetsSchema = z
  .object({
    key: BudgetSchema.optional().describe('Every virtual key (a key\'s own budget wins).'),
    user: BudgetSchema.optional().describe('Every key owner.'),
    team: BudgetSchema.optional().describe('Every team.'),
    users: z.record(z.string().min(1), BudgetSchema).default({}).describe('Named users (wins over `user`).'),
    teams: z.record(z.string().min(1), BudgetSchema).default({}).describe('Named teams (wins over `team`).'),
  })
  .strict();
