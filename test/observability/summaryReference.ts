/**
 * The summary window as it was before the compact store (one object per request, a Map by id), kept as the
 * reference the compact store must agree with exactly.
 */
import { SUMMARY_WINDOWS, type SummaryGroup, type SummaryPoint, type SummaryWindow } from '../../daemon/src/protocol/observability.js';

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

export class ReferenceSummaryWindow {
  private entries: WindowEntry[] = [];
  private head = 0;
  private readonly byId = new Map<string, WindowEntry>();

  constructor(
    private readonly maxEntries = 200_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(e: WindowEntry): void {
    this.entries.push(e);
    this.byId.set(e.id, e);
    this.prune();
  }

  get(id: string): WindowEntry | undefined {
    return this.byId.get(id);
  }

  private prune(): void {
    const cutoff = this.now() - DAY;
    while (this.head < this.entries.length) {
      const first = this.entries[this.head] as WindowEntry;
      if (first.t >= cutoff && this.entries.length - this.head <= this.maxEntries) break;
      if (this.byId.get(first.id) === first) this.byId.delete(first.id);
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** Entries in the window, oldest first. */
  since(from: number): WindowEntry[] {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.entries[mid] as WindowEntry).t < from) lo = mid + 1;
      else hi = mid;
    }
    return this.entries.slice(lo);
  }

  summarize(window: SummaryWindow): { from: number; to: number; total: SummaryGroup; routes: SummaryGroup[]; targets: SummaryGroup[]; series: SummaryPoint[] } {
    const to = this.now();
    const from = to - SUMMARY_WINDOWS[window];
    const inWindow = this.since(from);
    const byRoute = groupBy(inWindow, (e) => e.route);
    const byTarget = groupBy(inWindow, (e) => e.target);
    const width = SUMMARY_WINDOWS[window] / POINTS;
    const buckets: WindowEntry[][] = Array.from({ length: POINTS }, () => []);
    for (const e of inWindow) (buckets[Math.min(POINTS - 1, Math.floor((e.t - from) / width))] as WindowEntry[]).push(e);
    return {
      from,
      to,
      total: group('all', inWindow),
      routes: [...byRoute].map(([k, es]) => group(k, es)).sort((a, b) => b.requests - a.requests),
      targets: [...byTarget].map(([k, es]) => group(k, es)).sort((a, b) => b.requests - a.requests),
      series: buckets.map((es, i) => point(from + i * width, es)),
    };
  }
}

function groupBy(es: WindowEntry[], key: (e: WindowEntry) => string): Map<string, WindowEntry[]> {
  const m = new Map<string, WindowEntry[]>();
  for (const e of es) {
    const k = key(e);
    if (!k) continue;
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(e);
  }
  return m;
}

/** Nearest-rank percentile of sorted values; null when there are none. */
function pct(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const v = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
  return Math.round(v * 100) / 100;
}

function sortedOf(es: WindowEntry[], f: (e: WindowEntry) => number | undefined): number[] {
  const out: number[] = [];
  for (const e of es) {
    const v = f(e);
    if (v !== undefined) out.push(v);
  }
  return out.sort((a, b) => a - b);
}

function satisfaction(es: WindowEntry[]): { satisfaction: number | null; feedbackCount: number } {
  let n = 0;
  let sum = 0;
  for (const e of es) {
    if (e.score === undefined) continue;
    n++;
    sum += e.score;
  }
  return { satisfaction: n ? Math.round((sum / n) * 1000) / 1000 : null, feedbackCount: n };
}

function group(key: string, es: WindowEntry[]): SummaryGroup {
  const latency = sortedOf(es, (e) => e.latencyMs);
  const ttft = sortedOf(es, (e) => e.ttftMs);
  let errors = 0;
  let input = 0;
  let output = 0;
  let cached = 0;
  let cost = 0;
  let cacheHits = 0;
  for (const e of es) {
    if (e.error) errors++;
    input += e.inputTokens;
    output += e.outputTokens;
    cached += e.cachedTokens;
    cost += e.cost;
    if (e.cache === 'hit' || e.cache === 'semantic-hit') cacheHits++;
  }
  const n = es.length;
  return {
    key,
    requests: n,
    errors,
    errorRate: n ? errors / n : 0,
    latencyMs: { p50: pct(latency, 0.5), p95: pct(latency, 0.95), p99: pct(latency, 0.99) },
    ttftMs: { p50: pct(ttft, 0.5), p95: pct(ttft, 0.95), p99: pct(ttft, 0.99) },
    tokens: { input, output, cached },
    cost: Math.round(cost * 1e6) / 1e6,
    cacheHits,
    cacheHitRate: n ? cacheHits / n : 0,
    ...satisfaction(es),
  };
}

function point(t: number, es: WindowEntry[]): SummaryPoint {
  const g = group('', es);
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
