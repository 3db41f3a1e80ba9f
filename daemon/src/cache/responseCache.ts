/**
 * The response cache: every lookup is answered from memory — an exact-key map and, per semantic scope, a
 * vector index — with TTL, per-route LRU bounds and stale retention; a store persists or shares the entries.
 */
import type { CanonicalResponse, Target } from '../gateway/canonical.js';
import type { GatewayContext } from '../gateway/context.js';
import type { Logger } from '../log.js';
import type { CacheStats, CacheEntrySummary } from '../protocol/cache.js';
import { CACHE_DEFAULTS, type CacheConfig } from './configSchema.js';
import type { Embedder } from './embedders/embedder.js';
import type { CacheEntry } from './entry.js';
import { guardPair, type GuardOptions } from './guard.js';
import { cacheScope, exactKey, normalizeQuestion, semanticQuestion, tenantOf } from './keys.js';
import type { CacheStore } from './stores/store.js';
import { LruOrder } from './lruOrder.js';
import { VectorIndex } from './vectorIndex.js';

export type Lookup =
  | { kind: 'hit'; entry: CacheEntry }
  | { kind: 'semantic-hit'; entry: CacheEntry; similarity: number }
  | { kind: 'miss'; pending: Pending }
  | { kind: 'bypass'; reason: string; pending?: Pending };

/** What a miss remembers so that the answer, once complete, can be stored without embedding again. */
export interface Pending {
  id: string;
  route: string;
  prompt: string;
  scope?: string;
  vector?: Float32Array;
}

export interface ResponseCacheOptions {
  config: CacheConfig;
  embedder?: Embedder;
  store: CacheStore;
  log: Logger;
  now?: () => number;
  /** USD per million tokens of a `provider/model`, for the money-saved figure. */
  priceOf?: (target: string) => { input: number; output: number } | undefined;
}

export class ResponseCache {
  private readonly entries = new Map<string, CacheEntry>();
  /** Per route, entry ids in least-recently-used-first order (a Map keeps insertion order). */
  private readonly lru = new Map<string, LruOrder>();
  private readonly indexes = new Map<string, VectorIndex>();
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;
  private readonly counters = { hits: 0, semanticHits: 0, misses: 0, bypasses: 0, guardRejections: 0, staleServed: 0, stored: 0, evicted: 0, savedInputTokens: 0, savedOutputTokens: 0, savedUsd: 0 };
  private readonly rejections = new Map<string, number>();
  readonly loaded: Promise<void>;

  constructor(private readonly opts: ResponseCacheOptions) {
    this.now = opts.now ?? Date.now;
    opts.store.useLiveEntries?.(() => this.liveEntries());
    this.loaded = this.load();
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private async load(): Promise<void> {
    try {
      for (const e of await this.opts.store.load()) this.insert(e);
      this.opts.log.info('cache loaded', { entries: this.entries.size, store: this.opts.store.kind });
    } catch (e) {
      this.opts.log.warn('cache store could not be read: starting empty', { error: e });
    }
    this.opts.store.subscribe?.({
      put: (e) => {
        if (this.entries.get(e.id)?.createdAt !== e.createdAt) this.insert(e);
      },
      delete: (ids) => {
        for (const id of ids) this.remove(id);
      },
    });
  }

  private routeSettings(route: string) {
    const c = this.opts.config;
    const r = c.routes[route] ?? {};
    const defaultThreshold = !this.opts.embedder || this.opts.embedder.id.startsWith('wink') ? CACHE_DEFAULTS.threshold : 0.9;
    return {
      ttlMs: (r.ttlSeconds ?? c.ttlSeconds) * 1000,
      maxEntries: r.maxEntries ?? c.maxEntries,
      threshold: r.threshold ?? c.threshold ?? defaultThreshold,
      semantic: (r.semantic ?? true) && c.semantic && this.opts.embedder !== undefined,
      always: r.always ?? c.always ?? false,
    };
  }

  /** Finds a cached answer for the request, or says why it will not (and what to store after a miss). */
  async lookup(ctx: GatewayContext): Promise<Lookup> {
    const route = cacheScope(ctx);
    const settings = this.routeSettings(route);
    const opt = requestOption(ctx);
    if (opt === 'no-store') return this.bypass('opted out (no-store)');
    const r = ctx.request;
    const deterministic = r.temperature === 0 || opt === 'force' || settings.always;
    if (!deterministic) return this.bypass('not deterministic (temperature is not 0)');
    const tenant = tenantOf(ctx, this.opts.config.isolation);
    const id = exactKey(route, tenant, r);
    const embedder = this.opts.embedder;
    const question = semanticQuestion(route, tenant, embedder?.id ?? '', r, this.opts.config.embed);
    const pending: Pending = { id, route, prompt: question?.text ?? lastUserText(ctx) };
    if (opt === 'no-cache') {
      // Revalidate: skip reading, still store the fresh answer.
      await this.prepareSemantic(pending, question, settings.semantic);
      return this.bypass('opted out (no-cache)', pending);
    }
    const now = this.now();
    const exact = this.entries.get(id);
    if (exact && exact.expiresAt > now) {
      this.touch(exact);
      this.counters.hits++;
      this.saved(exact);
      return { kind: 'hit', entry: exact };
    }
    if (settings.semantic && question) {
      await this.prepareSemantic(pending, question, true);
      const index = pending.scope ? this.indexes.get(pending.scope) : undefined;
      if (pending.vector && index) {
        for (const n of index.query(pending.vector, 3, settings.threshold)) {
          const candidate = this.entries.get(n.id);
          if (!candidate || candidate.expiresAt <= now || candidate.embedder !== embedder?.id) continue;
          const verdict = this.opts.config.guard ? guardPair(candidate.prompt, question.text, this.guardOptions()) : ({ ok: true } as const);
          if (!verdict.ok) {
            this.counters.guardRejections++;
            const rule = verdict.reason.split(':')[0]!;
            this.rejections.set(rule, (this.rejections.get(rule) ?? 0) + 1);
            ctx.record.decisions.push(`cache: candidate rejected (${verdict.reason})`);
            this.opts.log.debug('cache candidate rejected', { id: ctx.id, route, similarity: round(n.score), reason: verdict.reason });
            continue;
          }
          this.touch(candidate);
          this.counters.semanticHits++;
          this.saved(candidate);
          return { kind: 'semantic-hit', entry: candidate, similarity: n.score };
        }
      }
    }
    this.counters.misses++;
    return { kind: 'miss', pending };
  }

  private async prepareSemantic(pending: Pending, question: ReturnType<typeof semanticQuestion>, semantic: boolean): Promise<void> {
    const embedder = this.opts.embedder;
    if (!semantic || !question || !embedder) return;
    // Until the embedder is ready (first start converts the word vectors), only exact matching is done.
    if (!embedder.isReady()) return;
    try {
      const v = await embedder.embed(question.text);
      if (v) {
        pending.vector = v;
        pending.scope = question.scope;
      }
    } catch (e) {
      this.opts.log.warn('cache embedding failed: exact matching only for this request', { error: e });
    }
  }

  private bypass(reason: string, pending?: Pending): Lookup {
    this.counters.bypasses++;
    return { kind: 'bypass', reason, ...(pending && { pending }) };
  }

  /** Stores a completed answer (called once the stream finished). */
  put(pending: Pending, target: Target, response: CanonicalResponse): void {
    if (response.finishReason === 'content_filter') return;
    const now = this.now();
    const settings = this.routeSettings(pending.route);
    const kept: CacheEntry = {
      id: pending.id,
      route: pending.route,
      prompt: pending.prompt,
      target,
      response,
      createdAt: now,
      expiresAt: now + settings.ttlMs,
      staleUntil: now + settings.ttlMs + this.opts.config.staleSeconds * 1000,
    };
    const semantic = pending.scope !== undefined && pending.vector !== undefined;
    if (semantic) {
      kept.scope = pending.scope;
      kept.embedder = this.opts.embedder!.id;
    }
    this.keep(kept, semantic ? pending.vector : undefined);
    this.counters.stored++;
    // Object.assign, not { ...kept, vector }: V8 11 promotes what such a literal makes (bench/spreadPromotion.ts).
    this.opts.store.put(semantic ? Object.assign({}, kept, { vector: toArray(pending.vector!) }) : kept);
    this.evict(pending.route, settings.maxEntries);
  }

  /**
   * For the resilience layer when every target failed: the newest entry for this exact request, even past its
   * TTL while within the stale window. Semantic matches are never served stale.
   */
  lookupStale(ctx: GatewayContext): CacheEntry | undefined {
    const route = cacheScope(ctx);
    const id = exactKey(route, tenantOf(ctx, this.opts.config.isolation), ctx.request);
    const e = this.entries.get(id);
    if (!e || e.staleUntil <= this.now()) return undefined;
    this.counters.staleServed++;
    return e;
  }

  /**
   * Keeps the entry in memory without its vector: the scope's index holds the vector (float32, ~400 bytes
   * instead of an array of 100 numbers, ~1 KB), and `liveEntries` puts it back for the store.
   */
  private insert(e: CacheEntry): void {
    const { vector, ...kept } = e;
    this.keep(kept, vector && Float32Array.from(vector));
  }

  /** `insert` for an entry already without its vector (a fresh answer: `put` has the vector as float32). */
  private keep(e: CacheEntry, vector: Float32Array | undefined): void {
    this.remove(e.id);
    this.entries.set(e.id, e);
    let ids = this.lru.get(e.route);
    if (!ids) this.lru.set(e.route, (ids = new LruOrder()));
    ids.use(e.id);
    if (e.scope && vector) {
      let index = this.indexes.get(e.scope);
      if (!index) this.indexes.set(e.scope, (index = new VectorIndex(vector.length)));
      if (index.dims === vector.length) index.add(e.id, vector);
    }
  }

  /** Every entry with its vector, for a store that rewrites its snapshot from the live set. */
  private *liveEntries(): Iterable<CacheEntry> {
    for (const e of this.entries.values()) {
      const v = e.scope ? this.indexes.get(e.scope)?.vectorOf(e.id) : undefined;
      yield v ? Object.assign({}, e, { vector: toArray(v) }) : e;
    }
  }

  private remove(id: string): CacheEntry | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    this.entries.delete(id);
    this.lru.get(e.route)?.delete(id);
    if (e.scope) {
      const index = this.indexes.get(e.scope);
      index?.remove(id);
      if (index && index.size === 0) this.indexes.delete(e.scope);
    }
    return e;
  }

  private touch(e: CacheEntry): void {
    this.lru.get(e.route)?.use(e.id);
  }

  private evict(route: string, max: number): void {
    const ids = this.lru.get(route);
    if (!ids || ids.size <= max) return;
    const gone = ids.takeOldest(ids.size - max);
    for (const id of gone) this.remove(id);
    this.counters.evicted += gone.length;
    this.opts.store.delete(gone);
  }

  /** Drops entries past their stale deadline. */
  sweep(): void {
    const now = this.now();
    const gone = [...this.entries.values()].filter((e) => e.staleUntil <= now).map((e) => e.id);
    for (const id of gone) this.remove(id);
    if (gone.length) this.opts.store.delete(gone);
  }

  private saved(e: CacheEntry): void {
    const u = e.response.usage;
    this.counters.savedInputTokens += u.inputTokens;
    this.counters.savedOutputTokens += u.outputTokens;
    const price = this.opts.priceOf?.(`${e.target.provider}/${e.target.model}`);
    if (price) this.counters.savedUsd += (u.inputTokens * price.input + u.outputTokens * price.output) / 1e6;
  }

  private guardOptions(): GuardOptions {
    const e = this.opts.embedder as { rank?: (w: string) => number | undefined } | undefined;
    return {
      minOverlap: CACHE_DEFAULTS.guardMinOverlap,
      rareRank: e?.rank ? CACHE_DEFAULTS.guardRareRank : -1,
      ...(e?.rank && { rank: (w: string) => e.rank!(w) }),
    };
  }

  stats(): CacheStats {
    const now = this.now();
    let expired = 0;
    const routes: Record<string, number> = {};
    for (const e of this.entries.values()) {
      if (e.expiresAt <= now) expired++;
      routes[e.route] = (routes[e.route] ?? 0) + 1;
    }
    const lookups = this.counters.hits + this.counters.semanticHits + this.counters.misses;
    return {
      enabled: true,
      store: this.opts.store.kind,
      embedder: this.opts.embedder?.id ?? null,
      embedderReady: this.opts.embedder?.isReady() ?? false,
      entries: this.entries.size,
      expiredEntries: expired,
      routes,
      ...this.counters,
      savedUsd: Math.round(this.counters.savedUsd * 1e6) / 1e6,
      hitRate: lookups ? (this.counters.hits + this.counters.semanticHits) / lookups : 0,
      guardRejectionsByRule: Object.fromEntries(this.rejections),
    };
  }

  list(filter: { route?: string; prompt?: string; limit?: number }): CacheEntrySummary[] {
    const out: CacheEntrySummary[] = [];
    const wanted = filter.prompt === undefined ? undefined : normalizeQuestion(filter.prompt);
    for (const e of this.entries.values()) {
      if (filter.route !== undefined && e.route !== filter.route) continue;
      if (wanted !== undefined && normalizeQuestion(e.prompt) !== wanted) continue;
      out.push(summary(e, this.now()));
      if (out.length >= (filter.limit ?? 100)) break;
    }
    return out;
  }

  /** Removes entries of a route, with a given prompt, or all; returns how many. */
  invalidate(filter: { route?: string; prompt?: string; all?: boolean }): number {
    const wanted = filter.prompt === undefined ? undefined : normalizeQuestion(filter.prompt);
    const gone: string[] = [];
    for (const e of this.entries.values()) {
      if (!filter.all && filter.route === undefined && wanted === undefined) break;
      if (filter.route !== undefined && e.route !== filter.route) continue;
      if (wanted !== undefined && normalizeQuestion(e.prompt) !== wanted) continue;
      gone.push(e.id);
    }
    for (const id of gone) this.remove(id);
    this.opts.store.delete(gone);
    return gone.length;
  }

  /** Bytes of memory the entries take, roughly (vectors, responses, index), for the benchmark. */
  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.loaded;
    await this.opts.store.close();
    await this.opts.embedder?.close();
  }
}

/** The caller's per-request choice: `Cache-Control: no-cache|no-store`, or `"switchboard": {"cache": …}` in the body. */
function requestOption(ctx: GatewayContext): 'no-cache' | 'no-store' | 'force' | undefined {
  const body = ctx.extensions?.cache;
  if (body === false || body === 'no-store') return 'no-store';
  if (body === 'no-cache') return 'no-cache';
  if (body === true || body === 'force') return 'force';
  const cc = ctx.headers['cache-control'];
  const v = (Array.isArray(cc) ? cc.join(',') : (cc ?? '')).toLowerCase();
  if (v.includes('no-store')) return 'no-store';
  if (v.includes('no-cache')) return 'no-cache';
  return undefined;
}

function lastUserText(ctx: GatewayContext): string {
  const last = [...ctx.request.messages].reverse().find((m) => m.role === 'user');
  return last?.content.map((p) => (p.type === 'text' ? p.text : `[${p.type}]`)).join('\n') ?? '';
}

function summary(e: CacheEntry, now: number): CacheEntrySummary {
  const text = e.response.content.map((p) => (p.type === 'text' ? p.text : `[tool call ${p.name}]`)).join('');
  return {
    id: e.id,
    route: e.route,
    prompt: e.prompt,
    semantic: e.scope !== undefined,
    embedder: e.embedder ?? null,
    target: `${e.target.provider}/${e.target.model}`,
    answer: text.length > 200 ? `${text.slice(0, 200)}…` : text,
    createdAt: new Date(e.createdAt).toISOString(),
    expiresAt: new Date(e.expiresAt).toISOString(),
    expired: e.expiresAt <= now,
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * A float32 vector as the plain array a store serialises. Array.from walks the iterator protocol: a result
 * object and a boxed number per element, which made the cache's compactions a third of the daemon's allocation.
 */
function toArray(v: Float32Array): number[] {
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]!;
  return out;
}
