/**
 * What one request carries through the pipeline: the canonical request, who sent it, what the stages decided
 * and the headers they want on the response. The request log (observability) is written from it.
 */
import type { CancelSignal } from './cancel.js';
import type { CanonicalRequest, Target, Usage } from './canonical.js';

export type DoorName = 'openai' | 'anthropic';

/** Who is calling: filled by the auth stage. */
export interface Identity {
  /** Key id (never the secret). `master` for the master key, `socket` for the editor's unix socket. */
  keyId: string;
  user?: string;
  team?: string;
}

/** One try against one upstream target. */
export interface Attempt {
  target: string;
  startedAt: number;
  /** 'ok', or the error class: timeout, rate_limited, upstream_5xx, unreachable, truncated, client_error, aborted … */
  outcome: string;
  status?: number;
  latencyMs?: number;
  ttftMs?: number;
  error?: string;
}

export interface GatewayContext {
  id: string;
  door: DoorName;
  request: CanonicalRequest;
  stream: boolean;
  /** Aborted when the client goes away. */
  signal: CancelSignal;
  identity: Identity;
  /** Request headers, lower-cased (per-request overrides such as `x-switchboard-route`). */
  headers: Record<string, string | string[] | undefined>;
  /** The body's `switchboard` object, unparsed: per-request options such as `{"cache": "no-store"}`. */
  extensions?: Record<string, unknown>;
  /** Headers stages want on the response (rate-limit state, cache outcome, warnings…). */
  responseHeaders: Record<string, string>;
  /** performance.now() at arrival. */
  startedAt: number;
  /** Facts for the request log, filled as stages run. */
  record: {
    route?: string;
    attempts: Attempt[];
    cache?: 'hit' | 'semantic-hit' | 'miss' | 'bypass';
    usage?: Usage;
    /** US dollars, when the cost ledger priced the request. */
    cost?: number;
    decisions: string[];
  };
}

/** What a pipeline run yields: the serving target and its event stream (first event already pulled). */
export interface Served {
  target: Target;
  events: AsyncIterable<import('./canonical.js').CanonicalEvent>;
}

/**
 * A pipeline stage, hono-style: do work before `next()`, short-circuit by not calling it (a cache hit), or
 * wrap the events it returns to act when the stream ends (settle a budget, store in the cache, record).
 */
export type Stage = (ctx: GatewayContext, next: () => Promise<Served>) => Promise<Served>;
