/**
 * The admin API for virtual keys (`/switchboard/v1/keys…`, master key or unix socket only). A key's secret is
 * returned once, by create and rotate; the daemon stores only its SHA-256 hash.
 */
import { z } from 'zod';

const count = z.number().int().positive();

export const KeyRateSchema = z
  .object({ rpm: count.optional(), tpm: count.optional(), burstRequests: count.optional(), burstTokens: count.optional() })
  .strict();

export const KeyBudgetLimitSchema = z
  .object({ tokens: count.optional(), usd: z.number().positive().optional(), softPercent: z.number().min(1).max(100).optional() })
  .strict();

export const KeyBudgetSchema = z.object({ day: KeyBudgetLimitSchema.optional(), month: KeyBudgetLimitSchema.optional() }).strict();

/** What may be set when a key is created. */
export const KeySettingsSchema = z
  .object({
    name: z.string().min(1).max(100).optional().describe('A label for people; not secret.'),
    user: z.string().min(1).max(200).describe('Who the key belongs to.'),
    team: z.string().min(1).max(200).optional(),
    models: z.array(z.string().min(1)).optional().describe('Allowed models or routes (client name or provider/model; `*` globs). Unset: all.'),
    endpoints: z.array(z.string().startsWith('/')).optional().describe('Allowed endpoints, e.g. /v1/chat/completions. Unset: all model endpoints.'),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    limits: KeyRateSchema.optional(),
    budgets: KeyBudgetSchema.optional(),
  })
  .strict();
export type KeySettings = z.infer<typeof KeySettingsSchema>;

/** A key as the API lists it: never the secret nor its hash. */
export const KeyInfoSchema = KeySettingsSchema.extend({
  id: z.string(),
  /** The first characters of the secret, to recognise it. */
  prefix: z.string(),
  createdAt: z.string(),
  rotatedAt: z.string().optional(),
  revokedAt: z.string().optional(),
  state: z.enum(['active', 'revoked', 'expired']),
});
export type KeyInfo = z.infer<typeof KeyInfoSchema>;

/** POST /switchboard/v1/keys (body: KeySettings) and POST /switchboard/v1/keys/rotate → the secret, once. */
export const KeyCreatedSchema = z.object({ key: KeyInfoSchema, secret: z.string() });
export type KeyCreated = z.infer<typeof KeyCreatedSchema>;

/** GET /switchboard/v1/keys */
export const KeyListSchema = z.object({ keys: z.array(KeyInfoSchema) });

/** POST /switchboard/v1/keys/rotate and /switchboard/v1/keys/revoke */
export const KeyIdRequestSchema = z.object({ id: z.string().min(1) }).strict();

export const KEYS_PATHS = {
  keys: '/switchboard/v1/keys',
  rotate: '/switchboard/v1/keys/rotate',
  revoke: '/switchboard/v1/keys/revoke',
} as const;
