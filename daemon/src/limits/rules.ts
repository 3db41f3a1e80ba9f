/**
 * Which counters one request charges: the rate limits and budgets that apply to its key, the key's owner and
 * team, the end user it names and the model it asks for, from switchboard.yaml and the key's own settings.
 * Pure: the stage passes in what it knows, the store does the counting.
 */
import type { Config } from '../config/schema.js';
import type { Identity } from '../gateway/context.js';
import type { KeyRecord } from '../keys/keyRecord.js';
import { usdToNano } from '../cost/cost.js';
import type { Rate } from './configSchema.js';

type BudgetLimit = { tokens?: number; usd?: number; softPercent?: number };
type Budget = { day?: BudgetLimit; month?: BudgetLimit };
import type { CounterSpec } from './counters.js';
import { lookupGlob } from './glob.js';

export type Scope = 'key' | 'user' | 'team' | 'endUser' | 'model';

/** One counter with what it is for: requests or tokens, and the units reserved for this request. */
export interface PlannedCharge {
  counter: CounterSpec;
  scope: Scope;
  subject: string;
  /** `requests` and `tokens` are per-minute rates; `budget-tokens` / `budget-usd` are period budgets. */
  measure: 'requests' | 'tokens' | 'budget-tokens' | 'budget-usd';
  /** Rate per minute, or the period's limit (nano-USD for money). */
  limit: number;
  period?: 'day' | 'month';
  softPercent?: number;
}

export interface RuleInput {
  config: Config;
  identity: Identity;
  record?: KeyRecord;
  endUser?: string;
  /** The names the request is known by: what the client sent and the resolved `provider/model`. */
  modelNames: string[];
  now: number;
}

const MINUTE = 60_000;

/** The counters that apply, before amounts are known. */
export function planCharges(input: RuleInput): PlannedCharge[] {
  const { config, identity, record, endUser, modelNames, now } = input;
  const out: PlannedCharge[] = [];
  const virtual = record !== undefined;
  const rate = (scope: Scope, subject: string | undefined, r: Rate | undefined) => {
    if (!subject || !r) return;
    const id = `rl:${scope}:${enc(subject)}`;
    if (r.rpm) out.push({ scope, subject, measure: 'requests', limit: r.rpm, counter: { kind: 'bucket', id: `${id}:req`, capacity: r.burstRequests ?? r.rpm, refillPerMs: r.rpm / MINUTE } });
    if (r.tpm) out.push({ scope, subject, measure: 'tokens', limit: r.tpm, counter: { kind: 'bucket', id: `${id}:tok`, capacity: r.burstTokens ?? r.tpm, refillPerMs: r.tpm / MINUTE } });
  };
  if (virtual) {
    rate('key', identity.keyId, Object.assign({}, config.limits.key, record.limits));
    rate('user', identity.user, config.limits.user);
    rate('team', identity.team, config.limits.team);
  }
  rate('endUser', endUser, config.limits.endUser);
  const modelName = modelNames.find((n) => lookupGlob(config.limits.models, [n]) !== undefined);
  if (modelName) rate('model', modelName, lookupGlob(config.limits.models, [modelName]));

  const budget = (scope: Scope, subject: string | undefined, b: Budget | undefined) => {
    if (!subject || !b) return;
    for (const period of ['day', 'month'] as const) {
      const limit: BudgetLimit | undefined = b[period];
      if (!limit) continue;
      const { id: periodId, endsAt } = periodOf(period, now);
      const id = `bg:${scope}:${enc(subject)}:${periodId}`;
      const softPercent = limit.softPercent ?? 80;
      // Literals without spreads: a spread here made V8 promote these short-lived objects (see accessStage's settle).
      if (limit.tokens) out.push({ scope, subject, period, softPercent, measure: 'budget-tokens', limit: limit.tokens, counter: { kind: 'budget', id: `${id}:tok`, limit: limit.tokens, expiresAtMs: endsAt } });
      if (limit.usd) {
        const nano = usdToNano(limit.usd);
        out.push({ scope, subject, period, softPercent, measure: 'budget-usd', limit: nano, counter: { kind: 'budget', id: `${id}:usd`, limit: nano, expiresAtMs: endsAt } });
      }
    }
  };
  if (virtual) {
    budget('key', identity.keyId, mergeBudget(config.budgets.key, record.budgets));
    budget('user', identity.user, (identity.user && config.budgets.users[identity.user]) || config.budgets.user);
    budget('team', identity.team, (identity.team && config.budgets.teams[identity.team]) || config.budgets.team);
  }
  return out;
}

function mergeBudget(base: Budget | undefined, own: Budget | undefined): Budget | undefined {
  if (!own) return base;
  return { day: own.day ?? base?.day, month: own.month ?? base?.month };
}

interface Period {
  id: string;
  startsAt: number;
  endsAt: number;
}
const lastPeriods: Record<'day' | 'month', Period | undefined> = { day: undefined, month: undefined };

/**
 * The UTC day or month `now` falls in, and when it ends. Every request with a budget asks, for each budget;
 * the answer changes once a day, so the last one is kept (a Date and an ISO string cost ~3.7 µs a request).
 */
export function periodOf(period: 'day' | 'month', now: number): Period {
  const last = lastPeriods[period];
  if (last && now >= last.startsAt && now < last.endsAt) return last;
  const d = new Date(now);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  const next: Period = period === 'day'
    ? { id: d.toISOString().slice(0, 10), startsAt: Date.UTC(y, m, day), endsAt: Date.UTC(y, m, day + 1) }
    : { id: d.toISOString().slice(0, 7), startsAt: Date.UTC(y, m, 1), endsAt: Date.UTC(y, m + 1, 1) };
  lastPeriods[period] = next;
  return next;
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
