/** The response cache's admin API under /switchboard/v1/cache (master key or unix socket). */
import { z } from 'zod';

/** GET /switchboard/v1/cache — statistics. */
export const CacheStatsSchema = z.object({
  enabled: z.boolean(),
  store: z.enum(['embedded', 'redis']).optional(),
  embedder: z.string().nullable().optional(),
  embedderReady: z.boolean().optional(),
  entries: z.number(),
  expiredEntries: z.number().optional(),
  routes: z.record(z.string(), z.number()).optional(),
  hits: z.number(),
  semanticHits: z.number(),
  misses: z.number(),
  bypasses: z.number(),
  guardRejections: z.number(),
  guardRejectionsByRule: z.record(z.string(), z.number()).optional(),
  staleServed: z.number().optional(),
  stored: z.number().optional(),
  evicted: z.number().optional(),
  savedInputTokens: z.number(),
  savedOutputTokens: z.number(),
  savedUsd: z.number(),
  hitRate: z.number(),
});
export type CacheStats = z.infer<typeof CacheStatsSchema>;

export const CacheEntrySummarySchema = z.object({
  id: z.string(),
  route: z.string(),
  prompt: z.string(),
  semantic: z.boolean(),
  embedder: z.string().nullable(),
  target: z.string(),
  answer: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  expired: z.boolean(),
});
export type CacheEntrySummary = z.infer<typeof CacheEntrySummarySchema>;

/** GET /switchboard/v1/cache/entries?route=&prompt=&limit= */
export const CacheEntriesResponseSchema = z.object({ entries: z.array(CacheEntrySummarySchema) });

/** POST /switchboard/v1/cache/invalidate — by route, by prompt (normalised text), both, or all. */
export const CacheInvalidateRequestSchema = z
  .object({
    route: z.string().min(1).optional(),
    prompt: z.string().min(1).optional(),
    all: z.literal(true).optional(),
  })
  .strict()
  .refine((b) => b.route !== undefined || b.prompt !== undefined || b.all === true, { message: 'give route, prompt, or all: true' });
export const CacheInvalidateResponseSchema = z.object({ removed: z.number() });
