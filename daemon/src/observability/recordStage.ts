/**
 * The pipeline stages that measure a request for the request log: the outermost one times the whole run and
 * watches the events the client gets (first token, finish, usage, the completion when bodies are logged);
 * the innermost one times the upstream call when the routing layer did not record its attempts itself.
 * They only measure: the record is written once the HTTP response is done (see recorder.ts).
 */
import type { FinishReason, Target, Usage } from '../gateway/canonical.js';
import type { GatewayContext, Stage } from '../gateway/context.js';
import { observe } from '../gateway/pipeline.js';

export interface StreamFacts {
  pipelineStartedAt: number;
  target?: Target;
  /** performance.now() when the first event reached the HTTP layer. */
  firstEventAt?: number;
  endedAt?: number;
  finishReason?: FinishReason;
  usage?: Usage;
  error?: unknown;
  /** Collected only when bodies are logged. */
  completion?: string;
  /** Timed by the innermost stage: the upstream call as one attempt. */
  upstream?: { startedAt: number; firstEventAt?: number; endedAt?: number; error?: unknown; target?: Target };
}

const factsByContext = new WeakMap<GatewayContext, StreamFacts>();

export function streamFacts(ctx: GatewayContext): StreamFacts | undefined {
  return factsByContext.get(ctx);
}

/**
 * Outermost stage: sees every answer the client gets, cache hits included.
 * @example new Gateway(config, providers, [outerRecordStage({ bodies: false }), ...others, innerRecordStage()])
 */
export function outerRecordStage(opts: { bodies: boolean }): Stage {
  return async (ctx, next) => {
    const facts: StreamFacts = { pipelineStartedAt: performance.now(), ...(opts.bodies && { completion: '' }) };
    factsByContext.set(ctx, facts);
    let served;
    try {
      served = await next();
    } catch (e) {
      facts.endedAt = performance.now();
      facts.error = e;
      throw e;
    }
    facts.target = served.target;
    return {
      target: served.target,
      events: observe(served.events, {
        event: (e) => {
          facts.firstEventAt ??= performance.now();
          if (e.type === 'finish') {
            facts.finishReason = e.reason;
            facts.usage = e.usage;
          } else if (e.type === 'text' && facts.completion !== undefined) facts.completion += e.text;
        },
        end: (error) => {
          facts.endedAt = performance.now();
          if (error !== undefined) facts.error = error;
        },
      }),
    };
  };
}

/** Innermost stage: the upstream call's own timing, so that the gateway's added latency can be told apart. */
export function innerRecordStage(): Stage {
  return async (ctx, next) => {
    const facts = factsByContext.get(ctx);
    if (!facts) return next();
    const upstream: NonNullable<StreamFacts['upstream']> = { startedAt: performance.now() };
    facts.upstream = upstream;
    let served;
    try {
      served = await next();
    } catch (e) {
      upstream.endedAt = performance.now();
      upstream.error = e;
      throw e;
    }
    upstream.firstEventAt = performance.now();
    upstream.target = served.target;
    return {
      target: served.target,
      events: observe(served.events, {
        end: (error) => {
          upstream.endedAt = performance.now();
          if (error !== undefined) upstream.error = error;
        },
      }),
    };
  };
}
