/**
 * The cache stage of the pipeline. A hit short-circuits: the cached answer is replayed as canonical events, so
 * each door streams or renders it in the caller's format. A miss calls the rest of the pipeline and stores the
 * answer once its stream has finished (never a truncated or failed one).
 */
import type { GatewayContext, Served, Stage } from '../gateway/context.js';
import { capture, replay, type CacheEntry } from './entry.js';
import type { ResponseCache } from './responseCache.js';

export const CACHE_HEADER = 'x-switchboard-cache';
export const SIMILARITY_HEADER = 'x-switchboard-cache-similarity';

/**
 * @example new Gateway(config, providers, [cacheStage(cache)])
 */
export function cacheStage(cache: ResponseCache): Stage {
  return async (ctx, next) => {
    const found = await cache.lookup(ctx);
    if (found.kind === 'hit' || found.kind === 'semantic-hit') {
      ctx.record.cache = found.kind;
      ctx.responseHeaders[CACHE_HEADER] = found.kind;
      if (found.kind === 'semantic-hit') {
        ctx.responseHeaders[SIMILARITY_HEADER] = found.similarity.toFixed(4);
        ctx.record.decisions.push(`cache: semantic hit ${found.similarity.toFixed(4)} on "${found.entry.prompt.slice(0, 80)}"`);
      }
      return { target: found.entry.target, events: replay(found.entry.response) };
    }
    ctx.record.cache = found.kind;
    ctx.responseHeaders[CACHE_HEADER] = found.kind;
    if (found.kind === 'bypass') ctx.record.decisions.push(`cache: bypass (${found.reason})`);
    const served = await next();
    const pending = found.pending;
    // A stale answer served because every target failed is not fresh: storing it would renew its TTL.
    if (!pending || ctx.responseHeaders[CACHE_HEADER] === 'stale') return served;
    return { target: served.target, events: capture(served.events, (response) => cache.put(pending, served.target, response)) };
  };
}

/**
 * For the resilience layer when every target failed: the cached answer for this exact request, even past its
 * TTL (within `cache.staleSeconds`), as a Served stream; undefined when there is none.
 */
export function lookupStale(cache: ResponseCache | undefined, ctx: GatewayContext): Served | undefined {
  const entry: CacheEntry | undefined = cache?.lookupStale(ctx);
  if (!entry) return undefined;
  ctx.record.cache = 'hit';
  ctx.responseHeaders[CACHE_HEADER] = 'stale';
  ctx.record.decisions.push('cache: served a stale answer (every target failed)');
  return { target: entry.target, events: replay(entry.response) };
}
