/**
 * The last 24 hours of generation requests in memory, compactly, for the summary endpoint: P50/P95/P99
 * latency and TTFT, error rate, tokens, cost, cache hit rate and satisfaction per route and per target over a
 * window, plus a time series for the dashboard's charts.
 */
import { SUMMARY_WINDOWS, type Summary, type SummaryGroup, type SummaryPoint, type SummaryWindow } from '../protocol/observability.js';
import { Pacer } from '../pacer.js';
import { SlotIds } from './summaryIds.js';

export interface WindowEntry {
  id: string;
  t: number;
  route: string;
  target: string;
  error: boolean;
  latencyMs: number;
  ttftMs?: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cost: number;
  /** hit, semantic-hit, miss, bypass, or empty. */
  cache: string;
  /** Normalized feedback score (0..1), once feedback arrived. */
  score?: number;
}

const DAY = SUMMARY_WINDOWS['24h'];
const POINTS = 30;
const FIRST_SLOTS = 4096;
const HIT = 1;
/** Bits of a slot's flags; CACHE_HIT only in a summary's copy (the ring interns the cache outcome instead). */
const ERROR = 1;
const CACHE_HIT = 2;
/** How long summarising holds the event loop before resting, at most (a group's work is not cut). */
const SUMMARY_SLICE_MS = 2;

/** What the store computes of a summary (the endpoint adds the rest). */
export type Summarized = Pick<Summary, 'from' | 'to' | 'total' | 'routes' | 'targets' | 'series'>;

/** A summary's copy of the window: position i holds the window's i-th entry. */
interface Columns {
  t: Float64Array;
  latency: Float64Array;
  ttft: Float64Array;
  input: Float64Array;
  output: Float64Array;
  cached: Float64Array;
  cost: Float64Array;
  score: Float64Array;
  route: Uint32Array;
  target: Uint32Array;
  /** ERROR | CACHE_HIT */
  flags: Uint8Array;
  /** The names of `route` and `target` by number. */
  names: readonly string[];
}

/**
 * A ring of slots in columns (typed arrays) instead of an object per request: ~100 bytes a request instead of
 * ~350, no per-request garbage for the old generation, and no pointers for the GC to trace. Route, target and
 * cache outcome are interned (reference-counted, so a day of ever-new names does not pile up). The ring
 * starts small and doubles up to `maxEntries`, so an idle daemon does not pay for a full day.
 */
export class SummaryWindowStore {
  private slots = 0;
  /** Sequence numbers of the oldest kept and the next request; a request's slot is its number % slots. */
  private head = 0;
  private tail = 0;
  private t = new Float64Array(0);
  private latency = new Float64Array(0);
  private ttft = new Float64Array(0);
  private input = new Float64Array(0);
  private output = new Float64Array(0);
  private cached = new Float64Array(0);
  private cost = new Float64Array(0);
  private score = new Float64Array(0);
  private route = new Uint32Array(0);
  private target = new Uint32Array(0);
  private cache = new Uint32Array(0);
  private flags = new Uint8Array(0);
  private ids = new SlotIds(0);
  private readonly names = new Interned();

  constructor(
    private readonly maxEntries = 200_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(e: WindowEntry): void {
    if (this.tail - this.head === this.slots) {
      if (this.slots < this.maxEntries) this.grow(Math.min(this.maxEntries, Math.max(FIRST_SLOTS, this.slots * 2)));
      else this.drop();
    }
    const s = this.tail++ % this.slots;
    this.t[s] = e.t;
    this.latency[s] = e.latencyMs;
    this.ttft[s] = e.ttftMs ?? NaN;
    this.input[s] = e.inputTokens;
    this.output[s] = e.outputTokens;
    this.cached[s] = e.cachedTokens;
    this.cost[s] = e.cost;
    this.score[s] = e.score ?? NaN;
    this.route[s] = this.names.ref(e.route);
    this.target[s] = this.names.ref(e.target);
    this.cache[s] = this.names.ref(e.cache);
    this.flags[s] = e.error ? ERROR : 0;
    this.ids.set(s, e.id);
    this.prune();
  }

  /** A copy of the request's entry; setting its `score` records feedback in the window. */
  get(id: string): WindowEntry | undefined {
    const s = this.ids.find(id);
    if (s < 0) return undefined;
    const seq = this.seqOf(s);
    const e = this.entry(s);
    const self = this;
    return Object.defineProperty(e, 'score', {
      enumerable: true,
      get: () => (seq >= self.head ? nanToUndefined(self.score[s] as number) : undefined),
      set: (v: number | undefined) => {
        if (seq >= self.head) self.score[s] = v ?? NaN;
      },
    });
  }

  /** Records a feedback score for a request in the window; false when it is not (or no longer) there. */
  setScore(id: string, score: number): boolean {
    const s = this.ids.find(id);
    if (s >= 0) this.score[s] = score;
    return s >= 0;
  }

  /** Entries in the window, oldest first. */
  since(from: number): WindowEntry[] {
    const out: WindowEntry[] = [];
    for (let q = this.firstSince(from); q < this.tail; q++) out.push(this.entry(q % this.slots));
    return out;
  }

  /**
   * The window's figures. The entries in it are copied out of the ring at once (a few ms for 200,000, the
   * names they use with them), then everything else is computed from that copy a step at a time, resting
   * whenever the slice is used (`pacer`): a day of 200,000 requests took ~55 ms in one go, every 2 s while the
   * dashboard showed it, and now holds the loop at most for the copy or the largest group's sums and
   * percentiles (`bench/summaryWindow.ts`). Entries added meanwhile are in the next summary.
   */
  async summarize(window: SummaryWindow, pacer = new Pacer(SUMMARY_SLICE_MS)): Promise<Summarized> {
    const to = this.now();
    const from = to - SUMMARY_WINDOWS[window];
    const first = this.firstSince(from);
    const cols = this.copyOut(first, this.tail - first);
    const pause = async () => {
      if (pacer.due) await pacer.rest();
    };
    await pause();
    const n = cols.t.length;
    const all = new Uint32Array(n);
    const buckets = new Uint32Array(n);
    const width = SUMMARY_WINDOWS[window] / POINTS;
    for (let i = 0; i < n; i++) {
      all[i] = i;
      buckets[i] = Math.min(POINTS - 1, Math.floor((cols.t[i]! - from) / width));
    }
    const scratch = new Float64Array(n);
    const groupOf = async (name: string, slots: Uint32Array) => {
      await pause();
      return group(name, slots, cols, scratch, pause);
    };
    const none = await groupOf('', new Uint32Array(0));
    const series = Array.from({ length: POINTS }, (_, i) => point(from + i * width, none));
    for (const g of partition(all, buckets)) series[g.key] = point(from + g.key * width, await groupOf('', g.slots));
    const total = await groupOf('all', all);
    const byCount = async (keys: Uint32Array) => {
      await pause();
      const out: SummaryGroup[] = [];
      for (const g of partition(all, keys)) if (cols.names[g.key]) out.push(await groupOf(cols.names[g.key]!, g.slots));
      return out.sort((a, b) => b.requests - a.requests);
    };
    return { from, to, total, routes: await byCount(cols.route), targets: await byCount(cols.target), series };
  }

  /** The `n` entries from sequence number `first` on, as columns of their own (position i = the i-th entry). */
  private copyOut(first: number, n: number): Columns {
    // The entries are at most two runs of the ring: copied a run at a time.
    const copy = <T extends Float64Array | Uint32Array | Uint8Array>(column: T, into: T): T => {
      const from = first % this.slots;
      const run = Math.min(n, this.slots - from);
      into.set(column.subarray(from, from + run));
      into.set(column.subarray(0, n - run), run);
      return into;
    };
    const flags = copy(this.flags, new Uint8Array(n));
    const cache = copy(this.cache, new Uint32Array(n));
    for (let i = 0; i < n; i++) if (this.names.hit(cache[i]!)) flags[i] = flags[i]! | CACHE_HIT;
    return {
      t: copy(this.t, new Float64Array(n)),
      latency: copy(this.latency, new Float64Array(n)),
      ttft: copy(this.ttft, new Float64Array(n)),
      input: copy(this.input, new Float64Array(n)),
      output: copy(this.output, new Float64Array(n)),
      cached: copy(this.cached, new Float64Array(n)),
      cost: copy(this.cost, new Float64Array(n)),
      score: copy(this.score, new Float64Array(n)),
      route: copy(this.route, new Uint32Array(n)),
      target: copy(this.target, new Uint32Array(n)),
      flags,
      // A name no entry uses any more is forgotten, and its number reused, while the summary is computed.
      names: this.names.copy(),
    };
  }

  private prune(): void {
    const cutoff = this.now() - DAY;
    while (this.head < this.tail && (this.t[this.head % this.slots] as number) < cutoff) this.drop();
  }

  /** Forgets the oldest entry. */
  private drop(): void {
    const s = this.head++ % this.slots;
    this.names.unref(this.route[s] as number);
    this.names.unref(this.target[s] as number);
    this.names.unref(this.cache[s] as number);
    this.ids.delete(s);
  }

  /**
   * Moves the ring into `slots` slots: a typed-array copy per column and a rebuilt id table. (Copied an entry
   * and a column at a time through the columns object, the doubling to 131,072 slots held the event loop for
   * ~475 ms; bench/summaryWindow.ts.)
   */
  private grow(slots: number): void {
    const cols = this.columns();
    for (const k of Object.keys(cols) as (keyof typeof cols)[]) {
      const from = cols[k];
      const to = new (from.constructor as new (n: number) => typeof from)(slots);
      copyRing(from, to, this.head, this.tail);
      (this as unknown as Record<string, unknown>)[k] = to;
    }
    this.ids = this.ids.resized(slots, this.slots, this.head, this.tail);
    this.slots = slots;
  }

  private columns() {
    const { t, latency, ttft, input, output, cached, cost, score, route, target, cache, flags } = this;
    return { t, latency, ttft, input, output, cached, cost, score, route, target, cache, flags };
  }

  /** The sequence number of the first entry that ended at or after `from` (binary search: entries are in end order). */
  private firstSince(from: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((this.t[mid % this.slots] as number) < from) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private seqOf(slot: number): number {
    const base = this.tail - (this.tail % this.slots);
    return base + slot < this.tail ? base + slot : base + slot - this.slots;
  }

  private entry(s: number): WindowEntry {
    const ttft = nanToUndefined(this.ttft[s] as number);
    const score = nanToUndefined(this.score[s] as number);
    return {
      id: this.ids.get(s),
      t: this.t[s] as number,
      route: this.names.name(this.route[s] as number),
      target: this.names.name(this.target[s] as number),
      error: ((this.flags[s] as number) & ERROR) !== 0,
      latencyMs: this.latency[s] as number,
      ...(ttft !== undefined && { ttftMs: ttft }),
      inputTokens: this.input[s] as number,
      outputTokens: this.output[s] as number,
      cachedTokens: this.cached[s] as number,
      cost: this.cost[s] as number,
      cache: this.names.name(this.cache[s] as number),
      ...(score !== undefined && { score }),
    };
  }
}

/** Strings as small numbers, counted, so a name no entry uses any more is forgotten and its number reused. */
class Interned {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly refs: number[] = [];
  private readonly hits: number[] = [];
  private readonly free: number[] = [];

  ref(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.free.pop() ?? this.names.length;
      this.ids.set(name, id);
      this.names[id] = name;
      this.refs[id] = 0;
      this.hits[id] = name === 'hit' || name === 'semantic-hit' ? HIT : 0;
    }
    this.refs[id] = (this.refs[id] as number) + 1;
    return id;
  }

  unref(id: number): void {
    const left = (this.refs[id] as number) - 1;
    this.refs[id] = left;
    if (left > 0) return;
    this.ids.delete(this.names[id] as string);
    this.names[id] = '';
    this.free.push(id);
  }

  name(id: number): string {
    return this.names[id] as string;
  }

  /** Every name by number ('' for a free number), as it is now. */
  copy(): string[] {
    return this.names.slice();
  }

  /** True for the cache outcomes that count as hits. */
  hit(id: number): boolean {
    return this.hits[id] === HIT;
  }
}

/**
 * A group's figures; `scratch` holds its values while percentiles are selected (as long as the window). Its
 * three passes (sums, latency percentiles, TTFT percentiles) take ~2–4 ms each for 200,000 requests, with a
 * `pause` before each of the last two.
 */
async function group(key: string, slots: Uint32Array, cols: Columns, scratch: Float64Array, pause: () => Promise<void>): Promise<SummaryGroup> {
  let errors = 0;
  let input = 0;
  let output = 0;
  let cached = 0;
  let cost = 0;
  let cacheHits = 0;
  let feedbackCount = 0;
  let scoreSum = 0;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i] as number;
    const flags = cols.flags[s]!;
    if (flags & ERROR) errors++;
    input += cols.input[s]!;
    output += cols.output[s]!;
    cached += cols.cached[s]!;
    cost += cols.cost[s]!;
    if (flags & CACHE_HIT) cacheHits++;
    const score = cols.score[s]!;
    if (!Number.isNaN(score)) {
      feedbackCount++;
      scoreSum += score;
    }
  }
  const n = slots.length;
  await pause();
  const latencyMs = percentiles(slots, cols.latency, scratch);
  await pause();
  const ttftMs = percentiles(slots, cols.ttft, scratch);
  return {
    key,
    requests: n,
    errors,
    errorRate: n ? errors / n : 0,
    latencyMs,
    ttftMs,
    tokens: { input, output, cached },
    cost: Math.round(cost * 1e6) / 1e6,
    cacheHits,
    cacheHitRate: n ? cacheHits / n : 0,
    satisfaction: feedbackCount ? Math.round((scoreSum / feedbackCount) * 1000) / 1000 : null,
    feedbackCount,
  };
}

interface Group {
  /** The interned name's number, or the series bucket. */
  key: number;
  slots: Uint32Array;
}

/**
 * `slots` grouped by key (`keys[i]` is `slots[i]`'s), groups in order of first appearance (the sort by count
 * is stable, so ties keep that order) and slots in their order within each: a counting sort into one typed
 * array, whose groups are views of it. (Lists of numbers per group, and percentiles and sums reading either
 * those or typed arrays, made summarising 200,000 requests take ~55 ms; bench/summaryWindow.ts.)
 */
function partition(slots: Uint32Array, keys: Uint32Array): Group[] {
  let max = 0;
  for (let i = 0; i < keys.length; i++) if (keys[i]! > max) max = keys[i]!;
  const counts = new Uint32Array(max + 1);
  const order: number[] = [];
  for (let i = 0; i < keys.length; i++) if (counts[keys[i]!]!++ === 0) order.push(keys[i]!);
  const next = new Uint32Array(max + 1);
  let at = 0;
  for (const k of order) {
    next[k] = at;
    at += counts[k]!;
  }
  const sorted = new Uint32Array(slots.length);
  const groups = order.map((key) => ({ key, slots: sorted.subarray(next[key]!, next[key]! + counts[key]!) }));
  for (let i = 0; i < slots.length; i++) sorted[next[keys[i]!]!++] = slots[i]!;
  return groups;
}

function nanToUndefined(v: number): number | undefined {
  return Number.isNaN(v) ? undefined : v;
}

/**
 * Nearest-rank P50, P95 and P99 of the column's values at `slots` (NaN, an absent value, left out); null when
 * there are none. Selection instead of a sort: each percentile is the k-th smallest value, found by quickselect
 * in linear time, the P50 first, so that the P95 is searched for in the half above it, and the P99 in the
 * twentieth above that. A day of 200,000 requests is summarised on the daemon's event loop while the dashboard polls.
 */
function percentiles(slots: Uint32Array, column: Float64Array, values: Float64Array): { p50: number | null; p95: number | null; p99: number | null } {
  let n = 0;
  for (let i = 0; i < slots.length; i++) {
    const v = column[slots[i]!]!;
    if (!Number.isNaN(v)) values[n++] = v;
  }
  if (n === 0) return { p50: null, p95: null, p99: null };
  const rank = (q: number) => Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
  const at = (k: number, start: number) => Math.round(select(values, k, start, n) * 100) / 100;
  const k50 = rank(0.5);
  const k95 = rank(0.95);
  const p50 = at(k50, 0);
  const p95 = at(k95, k50);
  const p99 = at(rank(0.99), k95);
  return { p50, p95, p99 };
}

/**
 * The k-th smallest of a[start..end), moving it to a[k] with everything before it no larger and everything
 * after it no smaller (Hoare's quickselect, median-of-three pivots).
 */
function select(a: Float64Array, k: number, start: number, end: number): number {
  let lo = start;
  let hi = end - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three at a[mid], the smallest at a[lo], the largest at a[hi].
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

function point(t: number, g: SummaryGroup): SummaryPoint {
  return {
    t: Math.round(t),
    requests: g.requests,
    errors: g.errors,
    p50Ms: g.latencyMs.p50,
    p95Ms: g.latencyMs.p95,
    p99Ms: g.latencyMs.p99,
    ttftP50Ms: g.ttftMs.p50,
    inputTokens: g.tokens.input,
    outputTokens: g.tokens.output,
    cost: g.cost,
    cacheHits: g.cacheHits,
    satisfaction: g.satisfaction,
  };
}

/** Copies ring positions head … tail − 1 of `from` (a ring of from.length slots) into the ring `to`, in runs. */
function copyRing(from: Float64Array | Uint32Array | Uint8Array, to: Float64Array | Uint32Array | Uint8Array, head: number, tail: number): void {
  for (let q = head; q < tail; ) {
    const f = q % from.length;
    const t = q % to.length;
    const n = Math.min(tail - q, from.length - f, to.length - t);
    to.set(from.subarray(f, f + n), t);
    q += n;
  }
}
