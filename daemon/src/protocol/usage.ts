/**
 * The cost ledger and the usage report (`GET /switchboard/v1/usage`, master key or unix socket only).
 * Money is kept in integer nano-dollars (1e-9 USD) so that sums are exact; `usd` fields are for people.
 */
import { z } from 'zod';

/** One request in the ledger, the same whether it streamed or not. */
export const LedgerEntrySchema = z.object({
  id: z.string(),
  /** ISO time the request ended. */
  at: z.string(),
  keyId: z.string(),
  user: z.string().optional(),
  team: z.string().optional(),
  endUser: z.string().optional(),
  /** What the client asked for, and the `provider/model` that served it. */
  requested: z.string(),
  model: z.string(),
  door: z.string(),
  stream: z.boolean(),
  status: z.enum(['ok', 'error', 'aborted']),
  /** All prompt tokens, including cached and cache-written ones. */
  inputTokens: z.number().int(),
  cachedInputTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  /** All output tokens, including reasoning ones. */
  outputTokens: z.number().int(),
  reasoningTokens: z.number().int(),
  /** True when the provider did not report usage (abandoned stream) and tokens were counted locally. */
  estimated: z.boolean(),
  costNanoUsd: z.number().int(),
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

export const USAGE_GROUPS = ['key', 'user', 'team', 'model', 'day'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

/** GET /switchboard/v1/usage?by=key,model&from=2025-01-01&to=2025-01-31 (days, UTC, inclusive). */
export const UsageQuerySchema = z.object({
  by: z.array(z.enum(USAGE_GROUPS)).default(['key']),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
});
export type UsageQuery = z.infer<typeof UsageQuerySchema>;

export const UsageRowSchema = z.object({
  group: z.record(z.string(), z.string()),
  requests: z.number().int(),
  inputTokens: z.number().int(),
  cachedInputTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  outputTokens: z.number().int(),
  reasoningTokens: z.number().int(),
  costNanoUsd: z.number().int(),
  usd: z.number(),
});
export type UsageRow = z.infer<typeof UsageRowSchema>;

export const UsageReportSchema = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  by: z.array(z.enum(USAGE_GROUPS)),
  rows: z.array(UsageRowSchema),
  total: UsageRowSchema,
});
export type UsageReport = z.infer<typeof UsageReportSchema>;

export const USAGE_PATH = '/switchboard/v1/usage';
