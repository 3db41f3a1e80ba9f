/**
 * The counter model shared by rate limits and budgets, and the contract both stores (embedded, Redis) keep.
 *
 * - A `bucket` is a token bucket: it holds up to `capacity`, refills at `refillPerMs`, and a request takes
 *   `amount` out of it. There are no window edges: the bucket's level is exact at every instant.
 * - A `budget` counts what was spent in one period (its id names the period) up to `limit`.
 *
 * A reservation takes from several counters at once, all or nothing, so two requests can never both take the
 * last unit; a settlement later corrects each counter by the difference between the real usage and what was
 * reserved (a refund when negative), and never refuses.
 */
import type { LedgerEntry } from '../protocol/usage.js';

export type CounterSpec =
  | { kind: 'bucket'; id: string; capacity: number; refillPerMs: number }
  | { kind: 'budget'; id: string; limit: number; expiresAtMs: number };

export interface Charge {
  counter: CounterSpec;
  amount: number;
}

export interface CounterState {
  /** Units left after this reservation (floor). */
  remaining: number;
  /** Milliseconds until a bucket is full again, or until a budget's period ends. */
  resetMs: number;
}

export interface ReserveOutcome {
  ok: boolean;
  /** Index of the first counter that refused. */
  refused?: number;
  /** When the refused counter could accept this amount; Infinity when it never can (amount > capacity). */
  retryAfterMs: number;
  /** One per charge, in order (levels after the reservation when ok, current levels when refused). */
  states: CounterState[];
}

export interface CounterStore {
  reserve(charges: readonly Charge[]): Promise<ReserveOutcome>;
  /** Adds each amount (negative refunds) and appends the ledger entry, in one step where the store can. */
  settle(charges: readonly Charge[], entry?: LedgerEntry): Promise<void>;
  /** Ledger entries of the UTC days `from`…`to` (YYYY-MM-DD, inclusive; open ends when unset). */
  entries(from?: string, to?: string): Promise<LedgerEntry[]>;
  close(): Promise<void>;
}

/** Persistent level of one counter: a bucket's tokens at `ts`, or a budget's spend. */
export type CounterLevel = { tokens: number; ts: number; fullAt: number } | { used: number; expiresAtMs: number };

/**
 * The reference implementation of reserve, over a map of levels (the embedded store uses it directly; the Redis
 * Lua script is a line-by-line transcription).
 */
export function reserveIn(levels: Map<string, CounterLevel>, charges: readonly Charge[], now: number): ReserveOutcome {
  const current = charges.map(({ counter }) => levelOf(levels, counter, now));
  let refused: number | undefined;
  let retryAfterMs = 0;
  charges.forEach(({ counter, amount }, i) => {
    if (refused !== undefined) return;
    const level = current[i] as number;
    if (counter.kind === 'bucket') {
      if (level < amount) {
        refused = i;
        retryAfterMs = amount > counter.capacity ? Infinity : Math.ceil((amount - level) / counter.refillPerMs);
      }
    } else if (level + amount > counter.limit) {
      refused = i;
      retryAfterMs = amount > counter.limit ? Infinity : Math.max(0, counter.expiresAtMs - now);
    }
  });
  const ok = refused === undefined;
  const states = charges.map(({ counter, amount }, i) => {
    const level = current[i] as number;
    if (counter.kind === 'bucket') {
      const tokens = ok ? level - amount : level;
      if (ok) levels.set(counter.id, bucketLevel(counter, tokens, now));
      return { remaining: Math.max(0, Math.floor(tokens)), resetMs: Math.ceil((counter.capacity - tokens) / counter.refillPerMs) };
    }
    const used = ok ? level + amount : level;
    if (ok) levels.set(counter.id, { used, expiresAtMs: counter.expiresAtMs });
    return { remaining: Math.max(0, counter.limit - used), resetMs: Math.max(0, counter.expiresAtMs - now) };
  });
  return ok ? { ok, retryAfterMs: 0, states } : { ok, refused, retryAfterMs, states };
}

export function settleIn(levels: Map<string, CounterLevel>, charges: readonly Charge[], now: number): void {
  for (const { counter, amount } of charges) {
    if (amount === 0) continue;
    const level = levelOf(levels, counter, now);
    if (counter.kind === 'bucket') levels.set(counter.id, bucketLevel(counter, Math.min(counter.capacity, level - amount), now));
    else levels.set(counter.id, { used: level + amount, expiresAtMs: counter.expiresAtMs });
  }
}

/** A bucket's tokens now (refilled since its last change), or a budget's spend. */
function levelOf(levels: Map<string, CounterLevel>, counter: CounterSpec, now: number): number {
  const l = levels.get(counter.id);
  if (counter.kind === 'bucket') {
    if (!l || !('tokens' in l)) return counter.capacity;
    return Math.min(counter.capacity, l.tokens + Math.max(0, now - l.ts) * counter.refillPerMs);
  }
  return l && 'used' in l ? l.used : 0;
}

function bucketLevel(counter: { capacity: number; refillPerMs: number }, tokens: number, now: number): CounterLevel {
  return { tokens, ts: now, fullAt: now + Math.ceil((counter.capacity - tokens) / counter.refillPerMs) };
}

/** Drops levels that carry no information any more: full buckets, budgets of ended periods. */
export function pruneLevels(levels: Map<string, CounterLevel>, now: number): void {
  for (const [id, l] of levels) if ('used' in l ? l.expiresAtMs < now : l.fullAt < now) levels.delete(id);
}
