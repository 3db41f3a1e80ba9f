/**
 * The gateway: runs a canonical request through the pipeline stages (limits, cache, recording…) and then
 * through routing (plan + engine). The HTTP layer knows only this class.
 */
import { randomUUID } from 'node:crypto';
import type { CancelSignal } from './cancel.js';
import type { CanonicalRequest, Target } from './canonical.js';
import type { GatewayContext, Served, Stage } from './context.js';
import { compose } from './pipeline.js';
import { targetName } from './canonical.js';
import { systemClock, type Clock } from '../clock.js';
import { createLogger, type Logger } from '../log.js';
import { CircuitBreakers } from '../routing/circuitBreaker.js';
import { RoutingEngine } from '../routing/engine.js';
import { Planner } from '../routing/plan.js';
import type { Config } from '../config/schema.js';
import type { Provider, TierStatus } from '../providers/provider.js';
import { resolveModel, TIER_ORDER, type ResolveContext } from '../routing/resolve.js';
import type { HealthResponse, ModelList } from '../protocol/switchboard.js';
import { VERSION } from '../version.js';

export type OpenStream = Served;

const AUTO_DEFAULTS: Record<string, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-haiku-4-5' };

export class Gateway {
  private readonly resolveContext: ResolveContext;
  private readonly startedAt = Date.now();
  private readonly pipeline: (ctx: GatewayContext) => Promise<Served>;

  private readonly planner: Planner;
  readonly engine: RoutingEngine;
  readonly breakers: CircuitBreakers;
  private readonly log: Logger;

  constructor(
    readonly config: Config,
    private readonly providers: ReadonlyMap<string, Provider>,
    stages: readonly Stage[] = [],
    opts: { log?: Logger; clock?: Clock; random?: () => number } = {},
  ) {
    this.pipeline = compose(stages, (ctx) => this.execute(ctx));
    const log = (this.log = opts.log ?? createLogger({ level: 'warn' }));
    const clock = opts.clock ?? systemClock;
    this.breakers = new CircuitBreakers(config.resilience.circuitBreaker, clock, (target, from, to, why) =>
      log[to === 'open' ? 'warn' : 'info']('circuit state changed', { target, from, to, why }),
    );
    this.engine = new RoutingEngine({ providers, breakers: this.breakers, clock, random: opts.random, log, deadlineMs: config.resilience.deadlineMs, upstreamStreaming: config.resilience.upstreamStreaming });
    this.resolveContext = {
      aliases: config.aliases,
      tier: (id) => this.providers.get(id)?.status(),
      defaultModel: (id) =>
        id === 'local'
          ? (config.providers.local?.name ?? 'default')
          : (config.providers[id as 'openai' | 'anthropic']?.defaultModel ?? AUTO_DEFAULTS[id] ?? ''),
    };
    this.planner = new Planner(config.routes, config.deprecations, config.resilience, this.resolveContext, opts.random);
  }

  resolve(model: string): Target {
    return resolveModel(model, this.resolveContext);
  }

  /** Runs one request through the pipeline; resolves once the serving target has produced its first event. */
  handle(ctx: GatewayContext): Promise<Served> {
    return this.pipeline(ctx);
  }

  /** A pipeline run for callers without an HTTP request (the CLI's in-process chat). */
  open(request: CanonicalRequest, signal: CancelSignal): Promise<OpenStream> {
    return this.handle({
      id: randomUUID().replaceAll('-', ''),
      door: 'openai',
      request,
      stream: true,
      signal,
      identity: { keyId: 'local-process' },
      headers: {},
      responseHeaders: {},
      startedAt: performance.now(),
      record: { attempts: [], decisions: [] },
    });
  }

  /**
   * The innermost stage: plan the targets (route, tiering, deprecation, overrides) and execute the plan with
   * retries, circuit breakers, watchdogs and fallback. Resolves once the serving target produced its first
   * event, so a failure before the first token is an HTTP error and the serving target is known for headers.
   */
  private async execute(ctx: GatewayContext): Promise<Served> {
    const fallbackHeader = header(ctx.headers['x-switchboard-fallback']);
    const plan = this.planner.plan(ctx.request, {
      route: header(ctx.headers['x-switchboard-route']),
      noFallback: fallbackHeader === 'off' || fallbackHeader === 'false' || fallbackHeader === '0',
    });
    ctx.record.route = plan.route;
    ctx.record.decisions.push(...plan.decisions);
    if (plan.tier) ctx.responseHeaders['x-switchboard-tier'] = `${plan.tier.tier}; score=${plan.tier.score}; reason="${plan.tier.reason}"`;
    if (plan.warnings.length) {
      ctx.responseHeaders['x-switchboard-warning'] = plan.warnings.join(' ');
      this.log.warn('deprecated model requested', { id: ctx.id, model: ctx.request.model, warning: plan.warnings.join(' ') });
    }
    return this.engine.run(ctx, plan);
  }

  tiers(): TierStatus[] {
    return TIER_ORDER.map((id) => this.providers.get(id)?.status()).filter((s): s is TierStatus => s !== undefined);
  }

  health(): HealthResponse {
    const tiers = this.tiers();
    return {
      status: tiers.some((t) => t.available) ? 'ok' : 'degraded',
      version: VERSION,
      pid: process.pid,
      uptimeMs: Date.now() - this.startedAt,
      tiers,
      circuits: this.breakers.snapshot(),
    };
  }

  models(): ModelList {
    const created = Math.floor(this.startedAt / 1000);
    const data: ModelList['data'] = [];
    const tiers = this.tiers();
    const autoTier = tiers.find((t) => t.available);
    data.push({
      id: 'auto',
      object: 'model',
      created,
      owned_by: 'switchboard',
      available: autoTier !== undefined,
      ...(autoTier && { target: targetName({ provider: autoTier.id, model: this.resolveContext.defaultModel(autoTier.id) }) }),
    });
    for (const [alias, to] of Object.entries(this.config.aliases)) {
      let target: string | undefined;
      try {
        target = targetName(this.resolve(alias));
      } catch {
        target = undefined;
      }
      data.push({ id: alias, object: 'model', created, owned_by: 'switchboard', target: target ?? to });
    }
    for (const [route, r] of Object.entries(this.config.routes)) {
      data.push({ id: route, object: 'model', created, owned_by: 'switchboard', target: r.tiered ? `tiered: ${r.tiered.simple} | ${r.tiered.complex}` : (r.targets ?? []).map((t) => (typeof t === 'string' ? t : 'balance' in t ? t.balance.map((b) => (typeof b === 'string' ? b : b.model)).join('|') : t.model)).join(' → ') });
    }
    for (const t of tiers) {
      for (const m of t.models) data.push({ id: `${t.id}/${m}`, object: 'model', created, owned_by: t.id, available: t.available });
    }
    return { object: 'list', data };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.providers.values()].map((p) => p.close()));
  }
}

function header(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.trim() || undefined;
}
