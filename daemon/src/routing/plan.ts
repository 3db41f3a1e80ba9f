/**
 * Turns what the client asked for (a route, an alias, a model, `auto`) into an ordered plan of concrete
 * targets, each with its retry policy and timeouts, plus the route's policies. Pure: no I/O, randomness
 * injected, so the plan is testable and the decision can be explained in headers and logs.
 */
import type { CanonicalRequest, Target } from '../gateway/canonical.js';
import { targetName } from '../gateway/canonical.js';
import { NotFoundError } from '../errors.js';
import type { ChainEntry, DeprecationConfig, ResilienceConfig, RouteConfig, TimeoutsConfig } from './configSchema.js';
import { createClassifier, type TierDecision } from './classifier.js';
import { checkDeprecation } from './deprecation.js';
import { resolveModel, TIER_ORDER, type ResolveContext } from './resolve.js';
import type { WatchLimits } from './watchdog.js';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface PlannedTarget {
  name: string;
  target: Target;
  retry: RetryPolicy;
  timeouts: WatchLimits;
}

export interface Plan {
  /** The route's name, when the request named one. */
  route?: string;
  chain: PlannedTarget[];
  fallbackOnClientErrors: boolean;
  midStream: 'error' | 'continue';
  staticFallback?: string;
  tier?: TierDecision;
  warnings: string[];
  decisions: string[];
}

export interface PlanOverrides {
  /** `x-switchboard-route`: use this route (or model) instead of the body's model. */
  route?: string;
  /** `x-switchboard-fallback: off`: only the first target of the chain. */
  noFallback?: boolean;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 2, baseDelayMs: 250, maxDelayMs: 4_000 };
export const DEFAULT_TIMEOUTS: Required<WatchLimits> = { firstTokenMs: 60_000, idleMs: 30_000, totalMs: 600_000 };

const MAX_DEPTH = 8;

export class Planner {
  private readonly classifiers = new Map<string, ReturnType<typeof createClassifier>>();
  private readonly baseRetry: RetryPolicy;
  private readonly baseTimeouts: WatchLimits;

  constructor(
    private readonly routes: Record<string, RouteConfig>,
    private readonly deprecations: Record<string, DeprecationConfig>,
    resilience: ResilienceConfig,
    private readonly resolve: ResolveContext,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {
    this.baseRetry = overlay(DEFAULT_RETRY, resilience.retry);
    this.baseTimeouts = overlay(DEFAULT_TIMEOUTS, resilience.timeouts);
    // Classifiers are built once per route, not per request.
    for (const [name, r] of Object.entries(routes)) {
      if (r.tiered) this.classifiers.set(name, createClassifier({ threshold: r.tiered.threshold, weights: r.tiered.weights, complexWords: r.tiered.complexWords }));
    }
  }

  plan(request: CanonicalRequest, overrides: PlanOverrides = {}): Plan {
    const plan: Plan = { chain: [], fallbackOnClientErrors: false, midStream: 'error', warnings: [], decisions: [] };
    const name = this.deprecate(overrides.route ?? request.model, plan);
    const route = this.routes[name];
    if (route) {
      plan.route = name;
      plan.fallbackOnClientErrors = route.fallbackOnClientErrors;
      plan.midStream = route.midStream;
      plan.staticFallback = route.staticFallback;
      this.expandRoute(name, route, request, plan, { retry: this.baseRetry, timeouts: this.baseTimeouts }, 0);
    } else if (name === 'auto' && this.resolve.aliases.auto === undefined) {
      // Without a route named auto: every configured tier, in the order OpenAI, Anthropic, local.
      for (const id of TIER_ORDER) {
        if (this.resolve.tier(id)?.available) this.push(plan, { provider: id, model: this.resolve.defaultModel(id) }, this.baseRetry, this.baseTimeouts);
      }
      if (plan.chain.length === 0) resolveModel('auto', this.resolve); // throws the explanatory 503
    } else {
      this.push(plan, resolveModel(name, this.resolve), this.baseRetry, this.baseTimeouts);
    }
    if (overrides.noFallback && plan.chain.length > 1) {
      plan.chain.length = 1;
      plan.decisions.push('fallback disabled by request header');
    }
    return plan;
  }

  private deprecate(model: string, plan: Plan): string {
    const verdict = checkDeprecation(model, this.deprecations, this.now());
    if (verdict.warning) {
      plan.warnings.push(verdict.warning);
      plan.decisions.push(verdict.retired ? `retired model ${model} replaced by ${verdict.model}` : `model ${model} retires soon`);
    }
    return verdict.model;
  }

  private expandRoute(name: string, route: RouteConfig, request: CanonicalRequest, plan: Plan, inherited: { retry: RetryPolicy; timeouts: WatchLimits }, depth: number) {
    if (depth > MAX_DEPTH) throw new NotFoundError(`Route "${name}" refers to itself through its targets.`, 'route_cycle');
    const defaults = { retry: overlay(inherited.retry, route.retry), timeouts: overlay(inherited.timeouts, route.timeouts) };
    if (route.tiered) {
      const decision = (this.classifiers.get(name) ?? createClassifier(route.tiered))(request);
      plan.tier ??= decision;
      plan.decisions.push(`tiered route ${name}: ${decision.tier} (score ${decision.score}: ${decision.reason})`);
      this.expandRef(decision.tier === 'complex' ? route.tiered.complex : route.tiered.simple, request, plan, defaults, depth + 1);
      // The other tier follows as a fallback when the route lists no explicit targets.
      if (!route.targets) this.expandRef(decision.tier === 'complex' ? route.tiered.simple : route.tiered.complex, request, plan, defaults, depth + 1);
    }
    for (const entry of route.targets ?? []) this.expandEntry(entry, request, plan, defaults, depth + 1);
  }

  private expandEntry(entry: ChainEntry, request: CanonicalRequest, plan: Plan, defaults: { retry: RetryPolicy; timeouts: WatchLimits }, depth: number) {
    if (typeof entry === 'string') return this.expandRef(entry, request, plan, defaults, depth);
    if ('balance' in entry) {
      const group = entry.balance.map((t) => (typeof t === 'string' ? { model: t, weight: 1 } : Object.assign({}, t, { weight: t.weight ?? 1 })));
      const ordered = weightedOrder(group, this.random);
      plan.decisions.push(`balanced ${group.map((t) => `${t.model}×${t.weight}`).join(', ')} → ${ordered[0]?.model}`);
      for (const t of ordered) this.expandEntry(Object.assign({}, t, { weight: undefined }), request, plan, defaults, depth);
      return;
    }
    const own = { retry: overlay(defaults.retry, entry.retry), timeouts: overlay(defaults.timeouts, entry.timeouts) };
    this.expandRef(entry.model, request, plan, own, depth);
  }

  private expandRef(ref: string, request: CanonicalRequest, plan: Plan, defaults: { retry: RetryPolicy; timeouts: WatchLimits }, depth: number) {
    const name = this.deprecate(ref, plan);
    const sub = this.routes[name];
    if (sub) return this.expandRoute(name, sub, request, plan, defaults, depth);
    this.push(plan, resolveModel(name, this.resolve), defaults.retry, defaults.timeouts);
  }

  private push(plan: Plan, target: Target, retry: RetryPolicy, timeouts: WatchLimits) {
    const name = targetName(target);
    // A target listed twice (through two routes) is tried once, at its first place.
    if (!plan.chain.some((t) => t.name === name)) plan.chain.push({ name, target, retry, timeouts });
  }
}

/**
 * `base` with the fields `over` defines laid on top, in a new object. Not `{ ...base, ...over }`: V8 11
 * (Node 20) promotes every object a literal starting with a spread makes to the old generation, however
 * short its life, and plans are made per request (bench/spreadPromotion.ts).
 */
function overlay<T extends object>(base: T, over: Partial<T> | undefined): T {
  const out = Object.assign({}, base);
  if (over) for (const [k, v] of Object.entries(over)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Weighted random order without replacement: the first is picked by weight, then the rest the same way. */
export function weightedOrder<T extends { weight: number }>(items: T[], random: () => number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (pool.length) {
    const total = pool.reduce((s, t) => s + t.weight, 0);
    let r = random() * total;
    let i = 0;
    for (; i < pool.length - 1; i++) {
      r -= (pool[i] as T).weight;
      if (r < 0) break;
    }
    out.push(...pool.splice(i, 1));
  }
  return out;
}

export type { TimeoutsConfig };
