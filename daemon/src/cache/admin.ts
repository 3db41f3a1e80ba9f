/**
 * Admin endpoints of the cache, mounted under /switchboard/v1/cache by the app (master key over TCP, or the
 * unix socket): statistics, inspection and invalidation by route or prompt.
 */
import type { Door } from '../doors/door.js';
import { openAIDoor } from '../doors/openai/door.js';
import { invalid } from '../doors/door.js';
import { InvalidRequestError } from '../errors.js';
import { CacheInvalidateRequestSchema, type CacheStats } from '../protocol/cache.js';
import type { RequestContext } from '../server/app.js';
import { readJsonBody } from '../server/body.js';
import { sendJson } from '../server/respond.js';
import type { ResponseCache } from './responseCache.js';

interface AdminRoute {
  door: Door;
  handler(ctx: RequestContext): Promise<void> | void;
}

const DISABLED: CacheStats = {
  enabled: false,
  entries: 0,
  hits: 0,
  semanticHits: 0,
  misses: 0,
  bypasses: 0,
  guardRejections: 0,
  savedInputTokens: 0,
  savedOutputTokens: 0,
  savedUsd: 0,
  hitRate: 0,
};

export function cacheAdminRoutes(cache: ResponseCache | undefined, maxBodyBytes = 1 << 20): Record<string, Record<string, AdminRoute>> {
  const id = (ctx: RequestContext) => ({ 'x-request-id': ctx.requestId });
  const query = (ctx: RequestContext) => new URL(ctx.req.url ?? '/', 'http://localhost').searchParams;
  return {
    '/switchboard/v1/cache': {
      GET: { door: openAIDoor, handler: (ctx) => sendJson(ctx.res, 200, cache?.stats() ?? DISABLED, id(ctx)) },
    },
    '/switchboard/v1/cache/entries': {
      GET: {
        door: openAIDoor,
        handler: (ctx) => {
          const q = query(ctx);
          const limit = q.get('limit') === null ? 100 : Number(q.get('limit'));
          if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new InvalidRequestError('limit must be an integer from 1 to 10000');
          const entries = cache?.list({ limit, ...(q.get('route') !== null && { route: q.get('route')! }), ...(q.get('prompt') !== null && { prompt: q.get('prompt')! }) }) ?? [];
          sendJson(ctx.res, 200, { entries }, id(ctx));
        },
      },
    },
    '/switchboard/v1/cache/invalidate': {
      POST: {
        door: openAIDoor,
        handler: async (ctx) => {
          const parsed = CacheInvalidateRequestSchema.safeParse(await readJsonBody(ctx.req, maxBodyBytes));
          if (!parsed.success) throw invalid(parsed.error, 'invalidation request');
          const b = parsed.data;
          const removed = cache?.invalidate({ ...(b.route && { route: b.route }), ...(b.prompt && { prompt: b.prompt }), ...(b.all && { all: true }) }) ?? 0;
          sendJson(ctx.res, 200, { removed }, id(ctx));
        },
      },
    },
  };
}
