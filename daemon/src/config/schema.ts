/**
 * The switchboard.yaml schema. zod is the single source: the daemon validates with it and the JSON Schema
 * the editor uses for completion is generated from it (see jsonSchema.ts).
 */
import { z } from 'zod';
import { DeprecationSchema, ResilienceSchema, RouteSchema } from '../routing/configSchema.js';
import { BudgetsSchema, LimitsSchema, PriceSchema, StoreSchema } from '../limits/configSchema.js';
import { ObservabilitySchema } from '../observability/configSchema.js';
import { CacheConfigSchema } from '../cache/configSchema.js';

const modelRef = z
  .string()
  .min(1)
  .describe('A model as `provider/model` (openai/gpt-4o-mini, anthropic/claude-haiku-4-5, local/default) or another alias.');

const remoteProvider = z
  .object({
    apiKey: z.string().min(1).optional().describe('API key. Prefer `${env:OPENAI_API_KEY}`-style interpolation over a literal key.'),
    baseURL: z.url().optional().describe('Base URL of the API (for proxies, Azure-compatible endpoints or test servers).'),
    timeoutMs: z.number().int().positive().optional().describe('Time allowed for the response headers to arrive.'),
    defaultModel: z.string().min(1).optional().describe('The model `auto` uses on this tier.'),
    models: z.array(z.string().min(1)).optional().describe('Models listed by GET /v1/models for this tier.'),
  })
  .strict();

export const ConfigSchema = z
  .object({
    server: z
      .object({
        host: z
          .enum(['127.0.0.1', 'localhost', '::1'])
          .default('127.0.0.1')
          .describe('Loopback only: Switchboard never listens on a public interface.'),
        port: z.number().int().min(0).max(65535).default(4747),
        maxBodyBytes: z.number().int().positive().max(64 * 1024 * 1024).default(8 * 1024 * 1024),
        auth: z
          .enum(['key', 'none'])
          .default('key')
          .describe('`key` (default): TCP requests must carry the master key. `none` turns that off — only for trusted single-user machines.'),
        shutdownGraceMs: z.number().int().min(0).default(10_000).describe('How long in-flight streams may run on after SIGTERM.'),
      })
      .strict()
      .prefault({}),
    providers: z
      .object({
        openai: remoteProvider.optional(),
        anthropic: remoteProvider.optional(),
        local: z
          .object({
            model: z.string().min(1).optional().describe('Path to a GGUF file, or an `hf:` URI that is downloaded on first use.'),
            name: z.string().regex(/^[A-Za-z0-9._-]+$/).default('default').describe('Served as `local/<name>`.'),
            threads: z.number().int().positive().optional().describe('CPU threads; default: the cores really available minus one.'),
            contextSize: z.number().int().positive().optional(),
            sequences: z.number().int().min(1).max(64).optional().describe('Parallel generations.'),
            gpu: z.union([z.boolean(), z.literal('auto')]).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    routes: z.record(z.string().regex(/^[A-Za-z0-9._:/-]+$/, 'route names use letters, digits and . _ : / -'), RouteSchema).default({}).describe('Named routes: what clients send as `model`, mapped to a fallback chain or a tiered choice.'),
    resilience: ResilienceSchema.prefault({}),
    deprecations: z.record(z.string().min(1), DeprecationSchema).default({}).describe('Models with a retirement date and a replacement.'),
    cache: CacheConfigSchema.prefault({}).describe('Response cache: exact and semantic (guarded), per-route TTL and size bounds.'),
    aliases: z
      .record(z.string().regex(/^[A-Za-z0-9._:/-]+$/, 'alias names use letters, digits and . _ : / -'), modelRef)
      .default({})
      .describe('Model names clients may send, mapped to a target or another alias.'),
    observability: ObservabilitySchema.describe('Request log, Prometheus metrics and OpenTelemetry traces.'),
    store: StoreSchema.prefault({}).describe('Where rate-limit counters, budgets, virtual keys and the cost ledger live.'),
    limits: LimitsSchema.prefault({}).describe('Per-request caps and rate limits (requests and tokens per minute).'),
    budgets: BudgetsSchema.prefault({}).describe('Token and money budgets per day and month.'),
    prices: z.record(z.string().min(1), PriceSchema).default({}).describe('Prices per `provider/model` (`*` globs allowed), over the built-in table.'),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
