/**
 * Admin endpoints of access and cost control (master key or unix socket; the authenticator refuses virtual
 * keys on anything outside /v1/): keys create/list/rotate/revoke and the usage report.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';
import { openAIDoor } from '../doors/openai/door.js';
import type { CounterStore } from '../limits/counters.js';
import { usageReport } from '../cost/usageReport.js';
import { KeyIdRequestSchema, KeySettingsSchema, KEYS_PATHS } from '../protocol/keys.js';
import { USAGE_PATH, UsageQuerySchema } from '../protocol/usage.js';
import type { RequestContext, Route } from '../server/app.js';
import { readJsonBody } from '../server/body.js';
import { sendJson } from '../server/respond.js';
import type { KeyService } from './keyService.js';

export interface AdminRouteOptions {
  keys: KeyService;
  store: CounterStore;
  maxBodyBytes: number;
}

export function accessAdminRoutes(opts: AdminRouteOptions): Record<string, Partial<Record<string, Route>>> {
  const { keys, store } = opts;
  const body = async <T>(ctx: RequestContext, schema: z.ZodType<T>): Promise<T> => {
    const parsed = schema.safeParse(await readJsonBody(ctx.req, opts.maxBodyBytes));
    if (!parsed.success) throw new InvalidRequestError(z.prettifyError(parsed.error).replaceAll('\n', '; '));
    return parsed.data;
  };
  const reply = (ctx: RequestContext, status: number, payload: unknown) => sendJson(ctx.res, status, payload, { 'x-request-id': ctx.requestId });
  const door = openAIDoor;
  return {
    [KEYS_PATHS.keys]: {
      GET: { door, handler: async (ctx) => reply(ctx, 200, { keys: await keys.list() }) },
      POST: { door, handler: async (ctx) => reply(ctx, 201, await keys.create(await body(ctx, KeySettingsSchema))) },
    },
    [KEYS_PATHS.rotate]: { POST: { door, handler: async (ctx) => reply(ctx, 200, await keys.rotate((await body(ctx, KeyIdRequestSchema)).id)) } },
    [KEYS_PATHS.revoke]: { POST: { door, handler: async (ctx) => reply(ctx, 200, { key: await keys.revoke((await body(ctx, KeyIdRequestSchema)).id) }) } },
    [USAGE_PATH]: {
      GET: {
        door,
        handler: async (ctx) => {
          const params = new URL(ctx.req.url ?? '/', 'http://x').searchParams;
          const parsed = UsageQuerySchema.safeParse({
            by: params.get('by')?.split(',').filter(Boolean) ?? undefined,
            from: params.get('from') ?? undefined,
            to: params.get('to') ?? undefined,
          });
          if (!parsed.success) throw new InvalidRequestError(z.prettifyError(parsed.error).replaceAll('\n', '; '));
          const { by, from, to } = parsed.data;
          reply(ctx, 200, usageReport(await store.entries(from, to), by, from, to));
        },
      },
    },
  };
}
