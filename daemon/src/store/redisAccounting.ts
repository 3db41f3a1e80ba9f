/**
 * The shared counter store and ledger on Redis. Reserve and settle are Lua scripts, so each runs atomically on
 * the server: two replicas can never both take the last token. Buckets refill by Redis's own clock (`TIME`),
 * so replicas with skewed clocks still agree. Settle also appends the request's ledger entry to a Redis stream
 * in the same script, so budgets and ledger never disagree.
 */
import type { Redis } from 'ioredis';
import type { Charge, CounterStore, ReserveOutcome } from '../limits/counters.js';
import { LedgerEntrySchema, type LedgerEntry } from '../protocol/usage.js';

/** ARGV per counter: kind ('b' bucket | 'g' budget), capacity or limit, refill per ms or period end (ms), amount. */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
local level = {}
local refused = 0
local retry = 0
for i = 1, n do
  local kind, cap, p, amount = ARGV[i*4-3], tonumber(ARGV[i*4-2]), tonumber(ARGV[i*4-1]), tonumber(ARGV[i*4])
  if kind == 'b' then
    local s = redis.call('HMGET', KEYS[i], 't', 'ts')
    local tokens = tonumber(s[1]) or cap
    local ts = tonumber(s[2]) or now
    tokens = math.min(cap, tokens + math.max(0, now - ts) * p)
    level[i] = tokens
    if refused == 0 and tokens < amount then
      refused = i
      if amount > cap then retry = -1 else retry = math.ceil((amount - tokens) / p) end
    end
  else
    local used = tonumber(redis.call('GET', KEYS[i])) or 0
    level[i] = used
    if refused == 0 and used + amount > cap then
      refused = i
      if amount > cap then retry = -1 else retry = math.max(0, p - now) end
    end
  end
end
local out = { refused, retry }
for i = 1, n do
  local kind, cap, p, amount = ARGV[i*4-3], tonumber(ARGV[i*4-2]), tonumber(ARGV[i*4-1]), tonumber(ARGV[i*4])
  local v = level[i]
  if refused == 0 then v = v + (kind == 'b' and -amount or amount) end
  if kind == 'b' then
    local fullIn = math.ceil((cap - v) / p)
    if refused == 0 then
      redis.call('HSET', KEYS[i], 't', tostring(v), 'ts', now)
      redis.call('PEXPIRE', KEYS[i], fullIn + 1000)
    end
    out[#out + 1] = tostring(math.max(0, math.floor(v)))
    out[#out + 1] = fullIn
  else
    if refused == 0 then
      redis.call('SET', KEYS[i], string.format('%d', v))
      redis.call('PEXPIREAT', KEYS[i], p + 86400000)
    end
    out[#out + 1] = tostring(math.max(0, cap - v))
    out[#out + 1] = math.max(0, p - now)
  end
end
return out
`;

/** Same ARGV layout; the last KEY is the ledger stream and the last ARGV its entry (empty: none). */
const SETTLE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS - 1
for i = 1, n do
  local kind, cap, p, amount = ARGV[i*4-3], tonumber(ARGV[i*4-2]), tonumber(ARGV[i*4-1]), tonumber(ARGV[i*4])
  if amount ~= 0 then
    if kind == 'b' then
      local s = redis.call('HMGET', KEYS[i], 't', 'ts')
      local tokens = tonumber(s[1]) or cap
      local ts = tonumber(s[2]) or now
      tokens = math.min(cap, math.min(cap, tokens + math.max(0, now - ts) * p) - amount)
      redis.call('HSET', KEYS[i], 't', tostring(tokens), 'ts', now)
      redis.call('PEXPIRE', KEYS[i], math.ceil((cap - tokens) / p) + 1000)
    else
      redis.call('INCRBY', KEYS[i], amount)
      redis.call('PEXPIREAT', KEYS[i], p + 86400000)
    end
  end
end
local entry = ARGV[n*4 + 1]
if entry ~= '' then redis.call('XADD', KEYS[n + 1], '*', 'e', entry) end
return 1
`;

type Scripted = Redis & {
  sbReserve(numKeys: number, ...args: (string | number)[]): Promise<(string | number)[]>;
  sbSettle(numKeys: number, ...args: (string | number)[]): Promise<number>;
};

export class RedisAccounting implements CounterStore {
  private readonly redis: Scripted;
  private readonly stream: string;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('sbReserve', { lua: RESERVE });
    redis.defineCommand('sbSettle', { lua: SETTLE });
    this.redis = redis as Scripted;
    this.stream = `${prefix}ledger`;
  }

  async reserve(charges: readonly Charge[]): Promise<ReserveOutcome> {
    if (charges.length === 0) return { ok: true, retryAfterMs: 0, states: [] };
    const r = await this.redis.sbReserve(charges.length, ...this.keys(charges), ...argv(charges));
    const refused = Number(r[0]);
    const retry = Number(r[1]);
    const states = charges.map((_, i) => ({ remaining: Number(r[2 + i * 2]), resetMs: Number(r[3 + i * 2]) }));
    if (refused === 0) return { ok: true, retryAfterMs: 0, states };
    return { ok: false, refused: refused - 1, retryAfterMs: retry < 0 ? Infinity : retry, states };
  }

  async settle(charges: readonly Charge[], entry?: LedgerEntry): Promise<void> {
    const moving = charges.filter((c) => c.amount !== 0);
    if (moving.length === 0 && !entry) return;
    await this.redis.sbSettle(moving.length + 1, ...this.keys(moving), this.stream, ...argv(moving), entry ? JSON.stringify(entry) : '');
  }

  /** Reads the stream between the days' bounds (stream ids are Redis milliseconds), in pages. */
  async entries(from?: string, to?: string): Promise<LedgerEntry[]> {
    let start = from ? String(Date.parse(`${from}T00:00:00Z`)) : '-';
    const end = to ? String(Date.parse(`${to}T00:00:00Z`) + 86_400_000 - 1) : '+';
    const out: LedgerEntry[] = [];
    for (;;) {
      const page = await this.redis.xrange(this.stream, start, end, 'COUNT', 1000);
      for (const [, fields] of page) {
        const parsed = LedgerEntrySchema.safeParse(JSON.parse(fields[1] ?? 'null'));
        if (parsed.success) out.push(parsed.data);
      }
      if (page.length < 1000) return out;
      start = `(${page[page.length - 1]![0]}`;
    }
  }

  async close(): Promise<void> {
    // The connection belongs to whoever created it (it is shared with the key store).
  }

  private keys(charges: readonly Charge[]): string[] {
    return charges.map((c) => this.prefix + c.counter.id);
  }
}

function argv(charges: readonly Charge[]): (string | number)[] {
  return charges.flatMap(({ counter, amount }) =>
    counter.kind === 'bucket' ? ['b', counter.capacity, counter.refillPerMs, amount] : ['g', counter.limit, counter.expiresAtMs, Math.round(amount)],
  );
}
