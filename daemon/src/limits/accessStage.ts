/**
 * The access-and-cost stage: enforces a key's model scope and the per-request caps, counts the prompt's
 * tokens, reserves every applicable rate limit and budget at once (all or nothing) before the call, and when
 * the stream ends settles them with the usage the provider reported and writes the request's ledger entry.
 * Streamed and collected answers pass the same events, so they cost the same.
 */
import type { CanonicalEvent, Target, Usage } from '../gateway/canonical.js';
import { targetName } from '../gateway/canonical.js';
import type { GatewayContext, Served, Stage } from '../gateway/context.js';
import { observe } from '../gateway/pipeline.js';
import type { Config } from '../config/schema.js';
import { ForbiddenError, GatewayError, InvalidRequestError, ServiceUnavailableError } from '../errors.js';
import type { KeyService } from '../keys/keyService.js';
import type { Logger } from '../log.js';
import type { Provider } from '../providers/provider.js';
import type { LedgerEntry } from '../protocol/usage.js';
import { costNanoUsd, tokensByKind, type TokensByKind } from '../cost/cost.js';
import type { PriceTable } from '../cost/prices.js';
import type { Charge, CounterStore, ReserveOutcome } from './counters.js';
import { globMatch } from './glob.js';
import { budgetWarnings, describeRefusal, rateLimitHeaders } from './headers.js';
import { planCharges, type PlannedCharge } from './rules.js';
import { countOutputTokens, countPromptTokens } from './tokenCount.js';

export interface AccessStageOptions {
  config: Config;
  store: CounterStore;
  keys: KeyService;
  prices: PriceTable;
  providers: ReadonlyMap<string, Provider>;
  /** The target a model name resolves to (the gateway's resolver, bound late); throws when it does not. */
  resolve: (model: string) => Target;
  log: Logger;
  now?: () => number;
}

export const END_USER_HEADER = 'x-switchboard-end-user';

/** Identities that are not virtual keys: the master key, the editor's socket, the CLI's in-process gateway. */
const TRUSTED = new Set(['master', 'socket', 'local-process']);

export function accessStage(opts: AccessStageOptions): Stage {
  const { config, store, keys, prices, providers, log } = opts;
  const now = opts.now ?? Date.now;
  const onUnavailable = config.store.redis.onUnavailable;
  let lastStoreWarning = 0;
  const storeTrouble = (e: unknown) => {
    if (now() - lastStoreWarning < 10_000) return;
    lastStoreWarning = now();
    log.warn('limits store unreachable', { error: e instanceof Error ? e.message : String(e), onUnavailable });
  };

  return async (ctx: GatewayContext, next: () => Promise<Served>): Promise<Served> => {
    const { identity, request } = ctx;
    const record = TRUSTED.has(identity.keyId) ? undefined : keys.recordOf(identity.keyId);
    const requested = request.model;
    let target: Target | undefined;
    try {
      target = opts.resolve(requested);
    } catch {
      target = undefined; // a route name or an unknown model: the router decides (and reports) later
    }
    const modelNames = target ? [requested, targetName(target)] : [requested];
    if (record?.models && !record.models.some((p) => modelNames.some((n) => globMatch(p, n)))) {
      throw new ForbiddenError(`This key may not use model "${requested}"; it may use ${record.models.join(', ')}.`, 'model_not_allowed');
    }
    const header = ctx.headers[END_USER_HEADER];
    const endUser = request.user ?? (typeof header === 'string' && header ? header : undefined);

    // Per-request caps. The prompt is counted only when something needs the count (a cap, a limit, a budget).
    const caps = config.limits.request;
    const planned = planCharges({ config, identity, record, endUser, modelNames, now: now() });
    const needsCount = caps.maxInputTokens !== undefined || planned.some((c) => c.measure !== 'requests');
    const inputTokens = needsCount ? await countPromptTokens(request, target, providers) : 0;
    const promptTokens = () => (needsCount ? Promise.resolve(inputTokens) : countPromptTokens(request, target, providers));
    if (caps.maxInputTokens && inputTokens > caps.maxInputTokens) {
      throw new InvalidRequestError(`The prompt is about ${inputTokens} tokens; this gateway accepts at most ${caps.maxInputTokens} per request.`, 'input_too_long');
    }
    if (caps.maxOutputTokens && request.maxTokens !== undefined && request.maxTokens > caps.maxOutputTokens) {
      if (caps.onExceed === 'reject') {
        throw new InvalidRequestError(`max_tokens ${request.maxTokens} is above this gateway's maximum of ${caps.maxOutputTokens}.`, 'max_tokens_too_large');
      }
      ctx.record.decisions.push(`max_tokens clamped from ${request.maxTokens} to ${caps.maxOutputTokens}`);
      ctx.responseHeaders['x-switchboard-max-tokens'] = String(caps.maxOutputTokens);
      request.maxTokens = caps.maxOutputTokens;
    }

    const countsTokens = planned.some((c) => c.measure !== 'requests');
    if (countsTokens && request.maxTokens === undefined) {
      // Without a cap the reservation could not bound the answer; this keeps "cannot overshoot" true.
      request.maxTokens = Math.min(caps.defaultOutputTokens, caps.maxOutputTokens ?? Infinity);
      ctx.record.decisions.push(`max_tokens set to ${request.maxTokens} (none sent; a token limit or budget applies)`);
    }
    const reservedTokens = inputTokens + (request.maxTokens ?? caps.defaultOutputTokens);
    // An unresolved name is a route: its target is chosen later, so money is reserved at the table's ceiling.
    const price = target ? prices.priceOf(targetName(target)) : prices.ceiling();
    const reservedCost = costNanoUsd({ inputTokens, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: request.maxTokens ?? caps.defaultOutputTokens, reasoningTokens: 0 }, price);
    const charges: Charge[] = planned.map((c) => ({ counter: c.counter, amount: reservedAmount(c, reservedTokens, reservedCost) }));

    let metered = true;
    if (charges.length > 0) {
      let outcome: ReserveOutcome;
      try {
        outcome = await store.reserve(charges);
      } catch (e) {
        storeTrouble(e);
        if (onUnavailable === 'closed') throw new ServiceUnavailableError('Rate limits and budgets cannot be checked (the shared store is unreachable); try again shortly.', 'limits_unavailable');
        ctx.responseHeaders['x-switchboard-limits'] = 'unavailable';
        ctx.record.decisions.push('limits store unreachable: served unmetered (fail open)');
        metered = false;
        outcome = { ok: true, retryAfterMs: 0, states: [] };
      }
      Object.assign(ctx.responseHeaders, rateLimitHeaders(planned, outcome.states));
      if (!outcome.ok) throw refusal(planned, outcome, charges);
      const warnings = budgetWarnings(planned, outcome.states);
      if (warnings.length) {
        ctx.responseHeaders['x-switchboard-budget-warning'] = warnings.join('; ');
        log.warn('budget soft limit', { id: ctx.id, keyId: identity.keyId, warnings });
      }
    }

    const settle = (servedBy: Target | undefined, status: LedgerEntry['status'], tokens: TokensByKind, estimated: boolean) => {
      const cost = costNanoUsd(tokens, servedBy ? prices.priceOf(targetName(servedBy)) : undefined);
      // The request log and metrics report cost in US dollars.
      ctx.record.cost = cost / 1e9;
      const actualTokens = tokens.inputTokens + tokens.outputTokens;
      const deltas = metered
        ? planned.map((c, i) => ({ counter: c.counter, amount: reservedAmount(c, actualTokens, cost) - (charges[i] as Charge).amount }))
        : [];
      // Every field named, in one literal: built with spreads, this one short-lived object made V8 promote
      // ~3 KB per request to the old generation (`--trace-gc-nvp` promoted bytes, 8.7 → 5.4 KB per request
      // without it), which is what the mark-compacts behind the P99 collect. Unset optional fields are
      // undefined, which JSON leaves out: the ledger line is the same.
      const entry: LedgerEntry = {
        id: ctx.id,
        keyId: identity.keyId,
        user: identity.user || undefined,
        team: identity.team || undefined,
        endUser: endUser || undefined,
        requested,
        door: ctx.door,
        stream: ctx.stream,
        at: new Date(now()).toISOString(),
        model: servedBy ? targetName(servedBy) : requested,
        status,
        inputTokens: tokens.inputTokens,
        cachedInputTokens: tokens.cachedInputTokens,
        cacheWriteTokens: tokens.cacheWriteTokens,
        outputTokens: tokens.outputTokens,
        reasoningTokens: tokens.reasoningTokens,
        estimated,
        costNanoUsd: cost,
      };
      store.settle(deltas, entry).catch(storeTrouble);
    };

    let served: Served;
    try {
      served = await next();
    } catch (e) {
      settle(undefined, 'error', { inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0 }, false);
      throw e;
    }
    return { target: served.target, events: watch(served, promptTokens, providers, settle) };
  };
}

/** What a counter takes for a request of `tokens` tokens costing `cost` nano-USD. */
function reservedAmount(c: PlannedCharge, tokens: number, cost: number): number {
  if (c.measure === 'requests') return 1;
  if (c.measure === 'budget-usd') return cost;
  return tokens;
}

function refusal(planned: PlannedCharge[], outcome: ReserveOutcome, charges: Charge[]): GatewayError {
  const i = outcome.refused ?? 0;
  const c = planned[i] as PlannedCharge;
  const { code, what } = describeRefusal(c);
  if (outcome.retryAfterMs === Infinity) {
    const asked = (charges[i] as Charge).amount;
    const unit = c.measure === 'budget-usd' ? 'nano-USD' : c.measure === 'requests' ? 'requests' : 'tokens';
    return new GatewayError(429, 'request_too_large', `${what}; this request alone needs ${asked} ${unit}. Lower max_tokens or shorten the prompt.`, { 'retry-after': '60' });
  }
  const seconds = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
  return new GatewayError(429, code, `${what}. Try again in ${seconds} s.`, {
    'retry-after': String(seconds),
    'retry-after-ms': String(Math.ceil(outcome.retryAfterMs)),
  });
}

/**
 * Watches the events (see `observe`), keeping the finish event's usage and the streamed text; when the stream
 * ends (finished, failed or abandoned) settles with the real usage, or with a local count when there was none.
 */
function watch(
  served: Served,
  promptTokens: () => Promise<number>,
  providers: ReadonlyMap<string, Provider>,
  settle: (target: Target, status: LedgerEntry['status'], tokens: TokensByKind, estimated: boolean) => void,
): AsyncIterable<CanonicalEvent> {
  let usage: Usage | undefined;
  let text = '';
  return observe(served.events, {
    event: (event) => {
      if (event.type === 'finish') usage = event.usage;
      else if (event.type === 'text') text += event.text;
      else if (event.type === 'tool_call_delta') text += event.arguments;
    },
    end: (error) => {
      const target = served.target;
      if (usage) settle(target, 'ok', tokensByKind(target.provider, usage), false);
      else {
        // No usage from the provider (client gone, or the stream broke): the prompt was sent, count what came back.
        void Promise.all([promptTokens(), countOutputTokens(text, target, providers)]).then(([inputTokens, outputTokens]) =>
          settle(target, error !== undefined ? 'error' : 'aborted', { inputTokens, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens, reasoningTokens: 0 }, true),
        );
      }
    },
  });
}
