/**
 * Rate-limit state for the client, as OpenAI sends it: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`
 * for the tightest applicable limit, `retry-after` on a refusal, and a warning header near a budget.
 */
import type { CounterState } from './counters.js';
import type { PlannedCharge } from './rules.js';

/** OpenAI's duration format: `20ms`, `6s`, `1m30s`, `2h0m0s`. */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  let s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

export function rateLimitHeaders(charges: readonly PlannedCharge[], states: readonly CounterState[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const measure of ['requests', 'tokens'] as const) {
    let tightest: { c: PlannedCharge; s: CounterState } | undefined;
    charges.forEach((c, i) => {
      const s = states[i];
      if (c.measure !== measure || !s) return;
      if (!tightest || s.remaining / c.limit < tightest.s.remaining / tightest.c.limit) tightest = { c, s };
    });
    if (!tightest) continue;
    headers[`x-ratelimit-limit-${measure}`] = String(tightest.c.limit);
    headers[`x-ratelimit-remaining-${measure}`] = String(Math.min(tightest.s.remaining, tightest.c.counter.kind === 'bucket' ? tightest.c.counter.capacity : Infinity));
    headers[`x-ratelimit-reset-${measure}`] = formatReset(tightest.s.resetMs);
  }
  return headers;
}

/** Budgets at or above their soft share, as one warning line each. */
export function budgetWarnings(charges: readonly PlannedCharge[], states: readonly CounterState[]): string[] {
  const out: string[] = [];
  charges.forEach((c, i) => {
    const s = states[i];
    if (!s || !c.measure.startsWith('budget') || c.softPercent === undefined) return;
    const used = c.limit - s.remaining;
    const percent = Math.floor((used / c.limit) * 100);
    if (percent >= c.softPercent) out.push(`${c.scope} ${c.subject}: ${percent}% of the ${c.period === 'day' ? 'daily' : 'monthly'} ${c.measure === 'budget-usd' ? 'money' : 'token'} budget used`);
  });
  return out;
}

export function describeRefusal(c: PlannedCharge): { code: string; what: string } {
  const who = `${c.scope === 'endUser' ? 'end user' : c.scope} ${c.subject}`;
  switch (c.measure) {
    case 'requests':
      return { code: 'rate_limit_exceeded', what: `Rate limit reached for ${who}: ${c.limit} requests per minute` };
    case 'tokens':
      return { code: 'rate_limit_exceeded', what: `Rate limit reached for ${who}: ${c.limit} tokens per minute` };
    case 'budget-tokens':
      return { code: 'budget_exceeded', what: `The ${c.period === 'day' ? 'daily' : 'monthly'} token budget of ${who} (${c.limit} tokens) is spent` };
    case 'budget-usd':
      return { code: 'budget_exceeded', what: `The ${c.period === 'day' ? 'daily' : 'monthly'} budget of ${who} ($${(c.limit / 1e9).toFixed(2)}) is spent` };
  }
}
