/**
 * Switchboard's own wire contract: health, the state file, the model list and admin calls, shared by the
 * daemon, the CLI and the VS Code extension's typed client. Imports nothing but zod.
 */
import { z } from 'zod';

export const TierStatusSchema = z.object({
  id: z.string(),
  available: z.boolean(),
  state: z.enum(['ready', 'loading', 'unconfigured', 'error']),
  detail: z.string(),
  models: z.array(z.string()),
});
export type TierStatusWire = z.infer<typeof TierStatusSchema>;

/** GET /health */
export const HealthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  pid: z.number(),
  uptimeMs: z.number(),
  tiers: z.array(TierStatusSchema),
  /** Circuit breaker state of every target that has seen traffic. */
  circuits: z
    .array(
      z.object({
        target: z.string(),
        state: z.enum(['closed', 'open', 'half-open']),
        requests: z.number(),
        failures: z.number(),
        retryAt: z.number().optional(),
      }),
    )
    .optional(),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/**
 * `<home>/daemon.json`: written once the daemon serves, removed when it exits. Clients (CLI, extension)
 * read it to find a running daemon for the same data folder.
 */
export const DaemonStateSchema = z.object({
  pid: z.number(),
  version: z.string(),
  host: z.string(),
  port: z.number(),
  socketPath: z.string(),
  home: z.string(),
  startedAt: z.string(),
});
export type DaemonState = z.infer<typeof DaemonStateSchema>;

/** GET /v1/models (OpenAI's list shape, with Switchboard's extra fields). */
export const ModelEntrySchema = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number(),
  owned_by: z.string(),
  /** The concrete target an alias resolves to, when it is an alias. */
  target: z.string().optional(),
  available: z.boolean().optional(),
});
export const ModelListSchema = z.object({ object: z.literal('list'), data: z.array(ModelEntrySchema) });
export type ModelList = z.infer<typeof ModelListSchema>;

/** POST /switchboard/v1/shutdown (unix socket only): the daemon answers, then drains and exits. */
export const ShutdownResponseSchema = z.object({ stopping: z.literal(true), pid: z.number() });

export const SWITCHBOARD_HEADERS = {
  requestId: 'x-request-id',
  provider: 'x-switchboard-provider',
  model: 'x-switchboard-model',
} as const;
