/**
 * The gateway: resolves a canonical request to a target and opens its event stream. Later stages (limits,
 * cache, fallback, validation, recording) compose around `open`; the HTTP layer knows only this class.
 */
import { randomUUID } from 'node:crypto';
import type { CanonicalRequest, Target } from './canonical.js';
import type { GatewayContext, Served, Stage } from './context.js';
import { compose } from './pipeline.js';
import { targetName } from './canonical.js';
import { ServiceUnavailableError, UpstreamError } from '../errors.js';
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

  constructor(
    readonly config: Config,
    private readonly providers: ReadonlyMap<string, Provider>,
    stages: readonly Stage[] = [],
  ) {
    this.pipeline = compose(stages, (ctx) => this.execute(ctx));
    this.resolveContext = {
      aliases: config.aliases,
      tier: (id) => this.providers.get(id)?.status(),
      defaultModel: (id) =>
        id === 'local'
          ? (config.providers.local?.name ?? 'default')
          : (config.providers[id as 'openai' | 'anthropic']?.defaultModel ?? AUTO_DEFAULTS[id] ?? ''),
    };
  }

  resolve(model: string): Target {
    return resolveModel(model, this.resolveContext);
  }

  /** Runs one request through the pipeline; resolves once the serving target has produced its first event. */
  handle(ctx: GatewayContext): Promise<Served> {
    return this.pipeline(ctx);
  }

  /** A pipeline run for callers without an HTTP request (the CLI's in-process chat). */
  open(request: CanonicalRequest, signal: AbortSignal): Promise<OpenStream> {
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
   * The innermost stage: starts the upstream call and waits for its first event, so that a failure before the
   * first token is an HTTP error the caller can act on, and the serving target is known before any header is sent.
   */
  private async execute(ctx: GatewayContext): Promise<Served> {
    const { request, signal } = ctx;
    const target = this.resolve(request.model);
    const provider = this.providers.get(target.provider);
    if (!provider) throw new ServiceUnavailableError(`No provider "${target.provider}" is registered.`);
    const iterator = provider.stream({ request, model: target.model, signal })[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) {
      throw new UpstreamError(`${targetName(target)} returned an empty stream.`, undefined, 'upstream_truncated');
    }
    return { target, events: prepend(first.value, iterator) };
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
    for (const t of tiers) {
      for (const m of t.models) data.push({ id: `${t.id}/${m}`, object: 'model', created, owned_by: t.id, available: t.available });
    }
    return { object: 'list', data };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.providers.values()].map((p) => p.close()));
  }
}

async function* prepend<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  try {
    yield first;
    for (;;) {
      const r = await rest.next();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    // When the consumer stops early (client gone), let the provider release what it holds.
    await rest.return?.();
  }
}
