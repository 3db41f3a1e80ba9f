/**
 * Executes a plan: each target in order, with retries for transient failures (exponential backoff with
 * jitter, retry-after honoured, all within the request's deadline), circuit breakers that skip failing
 * targets, the stream watchdog, mid-stream failure handling, and graceful degradation when every target
 * failed. A request never ends as a truncated success.
 */
import { Cancellation } from '../gateway/cancel.js';
import type { Clock } from '../clock.js';
import { GatewayError, ServiceUnavailableError, UpstreamError, UpstreamTimeoutError } from '../errors.js';
import type { CanonicalEvent, CanonicalRequest, Target } from '../gateway/canonical.js';
import type { Attempt, GatewayContext, Served } from '../gateway/context.js';
import type { Logger } from '../log.js';
import type { Provider } from '../providers/provider.js';
import { ClientAbortError } from '../providers/sdkErrors.js';
import type { CircuitBreakers } from './circuitBreaker.js';
import { backoffMs, classifyFailure } from './failure.js';
import type { Plan, PlannedTarget } from './plan.js';
import { WatchedStream } from './watchdog.js';
import { eventsOf } from '../gateway/collect.js';

/** Looks up a stale cached answer for graceful degradation (registered by the cache). */
export type StaleLookup = (ctx: GatewayContext) => Promise<Served | undefined>;

export interface EngineOptions {
  providers: ReadonlyMap<string, Provider>;
  breakers: CircuitBreakers;
  clock: Clock;
  random?: () => number;
  log: Logger;
  deadlineMs: number;
  /**
   * `as-client`: a caller that did not ask for a stream gets the provider's whole answer in one response
   * (providers with `complete`); only the total timeout can apply to it. `always`: the provider streams even
   * then, so that the first-token and idle timeouts catch a stalled upstream early.
   */
  upstreamStreaming?: 'as-client' | 'always';
  staleLookup?: StaleLookup;
}

interface Failure {
  target: string;
  kind: string;
  error: unknown;
}

export const STATIC_FALLBACK_TARGET: Target = { provider: 'switchboard', model: 'static-fallback' };

export class RoutingEngine {
  private readonly random: () => number;
  staleLookup?: StaleLookup;

  constructor(private readonly o: EngineOptions) {
    this.random = o.random ?? Math.random;
    this.staleLookup = o.staleLookup;
  }

  async run(ctx: GatewayContext, plan: Plan): Promise<Served> {
    const deadline = this.o.clock.now() + this.o.deadlineMs;
    const failures: Failure[] = [];
    const served = await this.firstSuccess(ctx, plan, ctx.request, 0, deadline, failures);
    if (served) return served;
    return this.degrade(ctx, plan, failures);
  }

  /** Tries the chain from `from` on; resolves the first success, or undefined when every target failed. */
  private async firstSuccess(ctx: GatewayContext, plan: Plan, request: CanonicalRequest, from: number, deadline: number, failures: Failure[]): Promise<Served | undefined> {
    const { breakers, clock } = this.o;
    for (let i = from; i < plan.chain.length; i++) {
      const pt = plan.chain[i] as PlannedTarget;
      if (!breakers.acquire(pt.name)) {
        this.note(ctx, { target: pt.name, startedAt: Date.now(), outcome: 'circuit_open' });
        failures.push({ target: pt.name, kind: 'circuit_open', error: new ServiceUnavailableError(`circuit open for ${pt.name}`) });
        continue;
      }
      for (let retry = 0; ; retry++) {
        if (clock.now() >= deadline) {
          breakers.onRelease(pt.name);
          failures.push({ target: pt.name, kind: 'deadline', error: new UpstreamTimeoutError(`The request deadline passed before ${pt.name} could answer.`) });
          return undefined;
        }
        try {
          return await this.attempt(ctx, plan, pt, i, request, deadline, failures);
        } catch (e) {
          if (ctx.signal.aborted) {
            breakers.onRelease(pt.name);
            throw new ClientAbortError();
          }
          const cls = classifyFailure(e);
          if (cls.countsAgainstTarget) breakers.onFailure(pt.name);
          else breakers.onRelease(pt.name);
          failures.push({ target: pt.name, kind: cls.kind, error: e });
          if (cls.clientError && !plan.fallbackOnClientErrors) throw e;
          if (!cls.retryable || retry >= pt.retry.attempts) break;
          if (cls.retryAfterMs !== undefined && cls.retryAfterMs > pt.retry.maxDelayMs) {
            ctx.record.decisions.push(`${pt.name} asked to retry after ${cls.retryAfterMs} ms: moving on`);
            break;
          }
          const wait = cls.retryAfterMs ?? backoffMs(retry, pt.retry.baseDelayMs, pt.retry.maxDelayMs, this.random);
          if (clock.now() + wait >= deadline) break;
          await clock.sleep(wait, ctx.signal).catch(() => {
            throw new ClientAbortError();
          });
          if (!breakers.acquire(pt.name)) break;
        }
      }
    }
    return undefined;
  }

  /**
   * One try against one target. Streaming requests return after the first event (bytes may then reach the
   * client); non-streaming requests are collected here, so that any failure — even mid-stream — is still
   * invisible to the caller and can be retried or failed over.
   */
  private async attempt(ctx: GatewayContext, plan: Plan, pt: PlannedTarget, index: number, request: CanonicalRequest, deadline: number, failures: Failure[]): Promise<Served> {
    const provider = this.o.providers.get(pt.target.provider);
    if (!provider) throw new ServiceUnavailableError(`No provider "${pt.target.provider}" is registered.`);
    // The attempt's own signal, aborted by the client going away or by the watchdog. (AbortSignal.any costs
    // several times more per request: it was ~5 % of the daemon's CPU under load; an AbortController is
    // promoted to the old generation when made: see gateway/cancel.ts.)
    const controller = new Cancellation();
    const onClientGone = () => controller.abort(ctx.signal.reason);
    if (ctx.signal.aborted) onClientGone();
    else ctx.signal.addEventListener('abort', onClientGone, { once: true });
    const remaining = Math.max(1, deadline - this.o.clock.now());
    const totalMs = Math.min(pt.timeouts.totalMs ?? remaining, remaining);
    const call = { request, model: pt.target.model, signal: controller };
    const whole = !ctx.stream && this.o.upstreamStreaming !== 'always' && provider.complete !== undefined;
    const source = whole ? eventsOf(provider.complete!(call)) : provider.stream(call);
    const limits = whole ? { totalMs } : { firstTokenMs: pt.timeouts.firstTokenMs, idleMs: pt.timeouts.idleMs, totalMs };
    const stream = new WatchedStream(source[Symbol.asyncIterator](), limits, pt.name, (reason) => controller.abort(reason));
    const attempt: Attempt = { target: pt.name, startedAt: Date.now(), outcome: 'pending' };
    ctx.record.attempts.push(attempt);
    const settle = (outcome: string, error?: unknown) => {
      ctx.signal.removeEventListener('abort', onClientGone);
      attempt.outcome = outcome;
      attempt.latencyMs = round(stream.elapsedMs());
      if (error instanceof GatewayError) {
        attempt.status = error.status;
        attempt.error = error.message;
      }
    };
    try {
      const first = await stream.next();
      attempt.ttftMs = round(stream.elapsedMs());
      if (first.done) throw new UpstreamError(`${pt.name} returned an empty stream.`, undefined, 'upstream_truncated');
      if (!ctx.stream) {
        const events = [first.value];
        for (;;) {
          const r = await stream.next();
          if (r.done) throw new UpstreamError(`${pt.name} ended its stream without finishing: the answer was truncated.`, undefined, 'upstream_truncated');
          events.push(r.value);
          if (r.value.type === 'finish') break;
        }
        settle('ok');
        this.o.breakers.onSuccess(pt.name);
        this.served(ctx, plan);
        return { target: pt.target, events: replay(events) };
      }
      this.served(ctx, plan);
      return { target: pt.target, events: this.follow(ctx, plan, pt, index, request, deadline, failures, stream, first.value, settle) };
    } catch (e) {
      settle(ctx.signal.aborted ? 'aborted' : classifyFailure(e).kind, e);
      controller.abort(e);
      void stream.return().catch(() => {});
      throw e;
    }
  }

  /**
   * The rest of a started stream. A failure here happens after bytes reached the client: by policy either end
   * with an error (the door turns it into an error event) or continue the partial answer on the next target.
   */
  private async *follow(
    ctx: GatewayContext,
    plan: Plan,
    pt: PlannedTarget,
    index: number,
    request: CanonicalRequest,
    deadline: number,
    failures: Failure[],
    stream: WatchedStream<CanonicalEvent>,
    first: CanonicalEvent,
    settle: (outcome: string, error?: unknown) => void,
  ): AsyncGenerator<CanonicalEvent> {
    let partial = '';
    let toolCalls = false;
    let finished = false;
    const take = (e: CanonicalEvent) => {
      if (e.type === 'text') partial += e.text;
      if (e.type === 'tool_call_start') toolCalls = true;
      if (e.type === 'finish') finished = true;
    };
    let failure: unknown;
    try {
      take(first);
      yield first;
      while (!finished) {
        const r = await stream.next();
        if (r.done) throw new UpstreamError(`${pt.name} ended its stream without finishing: the answer was truncated.`, undefined, 'upstream_truncated');
        take(r.value);
        yield r.value;
      }
      settle('ok');
      this.o.breakers.onSuccess(pt.name);
      return;
    } catch (e) {
      failure = e;
    } finally {
      if (!finished && failure === undefined) {
        // The consumer stopped early (client gone): no verdict on the target.
        settle('aborted');
        this.o.breakers.onRelease(pt.name);
        await stream.return().catch(() => {});
      }
    }
    if (ctx.signal.aborted) {
      settle('aborted');
      this.o.breakers.onRelease(pt.name);
      throw new ClientAbortError();
    }
    const cls = classifyFailure(failure);
    settle(`mid_stream_${cls.kind}`, failure);
    if (cls.countsAgainstTarget) this.o.breakers.onFailure(pt.name);
    else this.o.breakers.onRelease(pt.name);
    void stream.return().catch(() => {});
    failures.push({ target: pt.name, kind: cls.kind, error: failure });
    if (plan.midStream !== 'continue' || toolCalls || index + 1 >= plan.chain.length) throw failure;

    // Continue the partial answer on the next targets, transparently to the client.
    ctx.record.decisions.push(`${pt.name} failed mid-stream (${cls.kind}); continuing on the next target`);
    const continuation: CanonicalRequest = Object.assign({}, request, {
      messages: [
        ...request.messages,
        { role: 'assistant' as const, content: [{ type: 'text' as const, text: partial }] },
        { role: 'user' as const, content: [{ type: 'text' as const, text: 'Continue your previous answer exactly where it stopped, without repeating anything.' }] },
      ],
    });
    const next = await this.firstSuccess(ctx, plan, continuation, index + 1, deadline, failures);
    if (!next) throw failure;
    yield* next.events;
  }

  private served(ctx: GatewayContext, plan: Plan) {
    ctx.responseHeaders['x-switchboard-attempts'] = String(ctx.record.attempts.filter((a) => a.outcome !== 'circuit_open').length);
    if (plan.route) ctx.responseHeaders['x-switchboard-route'] = plan.route;
  }

  private note(ctx: GatewayContext, attempt: Attempt) {
    ctx.record.attempts.push(attempt);
  }

  /** Every target failed: a stale cached answer, else the route's static message, else a clear error. */
  private async degrade(ctx: GatewayContext, plan: Plan, failures: Failure[]): Promise<Served> {
    const summary = failures.map((f) => `${f.target}: ${f.kind}${f.error instanceof GatewayError ? ` (${f.error.message})` : ''}`).join('; ');
    this.o.log.warn('every target failed', { id: ctx.id, route: plan.route, failures: summary });
    const stale = await this.staleLookup?.(ctx).catch(() => undefined);
    if (stale) {
      ctx.record.decisions.push('served a stale cached answer: every target failed');
      ctx.responseHeaders['x-switchboard-stale'] = 'true';
      this.served(ctx, plan);
      return stale;
    }
    if (plan.staticFallback !== undefined) {
      ctx.record.decisions.push('served the static fallback: every target failed');
      ctx.responseHeaders['x-switchboard-fallback'] = 'static';
      this.served(ctx, plan);
      return {
        target: STATIC_FALLBACK_TARGET,
        events: replay([
          { type: 'text', text: plan.staticFallback },
          { type: 'finish', reason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } },
        ]),
      };
    }
    const distinct = new Set(failures.map((f) => f.target));
    const last = failures.at(-1)?.error;
    // One target: its own error says most (a 429 keeps its retry-after). Several: one 503 that names them all.
    if (distinct.size <= 1 && last instanceof GatewayError && failures.at(-1)?.kind !== 'circuit_open') throw last;
    throw new GatewayError(503, 'all_targets_failed', `Every target${plan.route ? ` of route "${plan.route}"` : ''} failed: ${summary}`);
  }
}

async function* replay(events: CanonicalEvent[]): AsyncGenerator<CanonicalEvent> {
  yield* events;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
