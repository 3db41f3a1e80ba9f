/** The `cache:` section of switchboard.yaml. */
import { z } from 'zod';

/** Defaults chosen from the quality benchmark (bench/cacheQuality.ts): precision first. */
export const CACHE_DEFAULTS = {
  /** Cosine threshold of the default (word-vector) embedder, with the guard on. */
  threshold: 0.98,
  guardMinOverlap: 0.6,
  /** Words rarer than this frequency rank count as names in the guard. */
  guardRareRank: 30_000,
  ttlSeconds: 86_400,
  maxEntries: 10_000,
  staleSeconds: 604_800,
} as const;

const perRoute = {
  ttlSeconds: z.number().int().positive().optional().describe('How long an entry is served.'),
  maxEntries: z.number().int().positive().optional().describe('Entries kept for this route; the least recently used go first.'),
  threshold: z.number().min(0).max(1).optional().describe('Least cosine similarity for a semantic hit.'),
  semantic: z.boolean().optional().describe('Use the semantic tier (default true); false keeps exact matching only.'),
  always: z
    .boolean()
    .optional()
    .describe('Cache requests that are not deterministic too (by default only temperature 0, or requests that opt in).'),
};

const EmbedderSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('wink'),
      file: z.string().min(1).optional().describe('Compact vector file; default <data folder>/embeddings/wink-sg-100d-100k.bin, built on first use.'),
    })
    .strict(),
  z
    .object({
      type: z.literal('openai'),
      model: z.string().min(1).default('text-embedding-3-small'),
      apiKey: z.string().min(1).optional().describe('Default: the OpenAI provider key.'),
      baseURL: z.url().optional().describe('Default: the OpenAI provider base URL.'),
    })
    .strict(),
  z
    .object({
      type: z.literal('llamacpp'),
      model: z.string().min(1).describe('Path to a GGUF embedding model (e.g. a bge or nomic-embed GGUF).'),
    })
    .strict(),
]);

export const CacheConfigSchema = z
  .object({
    ...perRoute,
    enabled: z.boolean().default(false).describe('Turns the response cache on.'),
    semantic: z.boolean().default(true).describe('Serve semantically similar questions (guarded), not only identical requests.'),
    ttlSeconds: z.number().int().positive().default(CACHE_DEFAULTS.ttlSeconds),
    maxEntries: z.number().int().positive().default(CACHE_DEFAULTS.maxEntries),
    threshold: z.number().min(0).max(1).optional().describe(`Least cosine similarity for a semantic hit; default ${CACHE_DEFAULTS.threshold} for the default embedder, 0.9 for others.`),
    staleSeconds: z
      .number()
      .int()
      .min(0)
      .default(CACHE_DEFAULTS.staleSeconds)
      .describe('How long expired entries stay available to the resilience layer when every target is down.'),
    guard: z.boolean().default(true).describe('Check every semantic candidate for negation, numbers, names and word order before serving it.'),
    embed: z
      .enum(['lastUserTurn', 'userTurns'])
      .default('lastUserTurn')
      .describe('What is embedded: the last user turn (earlier turns must then match exactly) or all user turns joined.'),
    isolation: z
      .enum(['key', 'user', 'none'])
      .default('key')
      .describe('Whose entries a request may see: per API key (default), per key and end user, or shared by all.'),
    embedder: EmbedderSchema.prefault({ type: 'wink' }),
    store: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('embedded') }).strict(),
        z.object({ type: z.literal('redis'), url: z.string().min(1).describe('redis://host:port/db'), prefix: z.string().default('sb:cache:') }).strict(),
      ])
      .prefault({ type: 'embedded' })
      .describe('embedded: in memory, persisted in the data folder (vectra). redis: shared by every replica.'),
    flushMs: z.number().int().min(10).default(1000).describe('Embedded store: how often pending writes are written to disk.'),
    routes: z.record(z.string(), z.object(perRoute).strict()).default({}).describe('Per-route (model name) overrides.'),
  })
  .strict();

export type CacheConfig = z.infer<typeof CacheConfigSchema>;
