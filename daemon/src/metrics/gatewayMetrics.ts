/**
 * The daemon's Prometheus metrics (prom-client, its own registry): requests, latency and time to first
 * token, the gateway's own added latency, tokens, cost, cache outcomes, circuit states, rejections,
 * feedback and in-flight requests. Fed from finished request records, so the hot path only counts in-flight.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestRecord } from '../protocol/observability.js';

export interface CircuitView {
  target: string;
  state: string;
}

const CIRCUIT_VALUE: Record<string, number> = { closed: 0, 'half-open': 1, open: 2 };
/**
 * Distinct route and target label values kept; new ones past that count as "(other)". A request that no route
 * matched is labelled with the model name it asked for, and a pass-through target (`openai/<anything>`) with
 * whatever the client wrote, so without a bound a client could grow the registry and every scrape forever.
 */
const MAX_LABEL_VALUES = 500;
const OTHER_LABEL = '(other)';
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'door' | 'route' | 'target' | 'status' | 'error_class' | 'cache'>;
  private readonly duration: Histogram<'route' | 'target'>;
  private readonly ttft: Histogram<'route' | 'target'>;
  private readonly overhead: Histogram<'door'>;
  private readonly attempts: Counter<'target' | 'outcome'>;
  private readonly tokens: Counter<'route' | 'target' | 'kind'>;
  private readonly cost: Counter<'route' | 'target'>;
  private readonly cache: Counter<'outcome'>;
  private readonly rejections: Counter<'reason'>;
  private readonly feedback: Counter<'route' | 'target' | 'cache' | 'rating'>;
  private readonly feedbackScore: Histogram<'route' | 'target' | 'cache'>;
  readonly inFlight: Gauge;
  private readonly routeLabels = new BoundedLabels(MAX_LABEL_VALUES);
  private readonly targetLabels = new BoundedLabels(MAX_LABEL_VALUES);

  constructor(opts: { circuits?: () => CircuitView[]; logDropped?: () => number; logWritten?: () => number } = {}) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // These three are gauges named like counters; `promtool check metrics` rejects them.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
    this.requests = new Counter({ name: 'switchboard_requests_total', help: 'API requests by door, route, serving target, HTTP status, error class and cache outcome.', labelNames: ['door', 'route', 'target', 'status', 'error_class', 'cache'], registers });
    this.duration = new Histogram({ name: 'switchboard_request_duration_seconds', help: 'Whole request latency, arrival to last byte.', labelNames: ['route', 'target'], buckets: LATENCY_BUCKETS, registers });
    this.ttft = new Histogram({ name: 'switchboard_time_to_first_token_seconds', help: 'Arrival to the first token the client receives.', labelNames: ['route', 'target'], buckets: LATENCY_BUCKETS, registers });
    this.overhead = new Histogram({ name: 'switchboard_gateway_overhead_seconds', help: "The gateway's own added latency: request duration less upstream attempt time.", labelNames: ['door'], buckets: OVERHEAD_BUCKETS, registers });
    this.attempts = new Counter({ name: 'switchboard_upstream_attempts_total', help: 'Upstream attempts by target and outcome (ok or the error class).', labelNames: ['target', 'outcome'], registers });
    this.tokens = new Counter({ name: 'switchboard_tokens_total', help: 'Tokens by kind: input, output, cached_input, cache_write, reasoning.', labelNames: ['route', 'target', 'kind'], registers });
    this.cost = new Counter({ name: 'switchboard_cost_usd_total', help: 'Cost in US dollars.', labelNames: ['route', 'target'], registers });
    this.cache = new Counter({ name: 'switchboard_cache_requests_total', help: 'Response cache outcomes: hit, semantic-hit, miss, bypass.', labelNames: ['outcome'], registers });
    this.rejections = new Counter({ name: 'switchboard_rejections_total', help: 'Requests refused by rate limits or budgets.', labelNames: ['reason'], registers });
    this.feedback = new Counter({ name: 'switchboard_feedback_total', help: 'Satisfaction feedback by route, target, cache outcome and rating (positive, neutral, negative).', labelNames: ['route', 'target', 'cache', 'rating'], registers });
    this.feedbackScore = new Histogram({ name: 'switchboard_feedback_score', help: 'Satisfaction scores normalized to 0..1 (thumbs up = 1, five stars = 1).', labelNames: ['route', 'target', 'cache'], buckets: [0, 0.25, 0.5, 0.75, 1], registers });
    this.inFlight = new Gauge({ name: 'switchboard_in_flight_requests', help: 'API requests being served now.', registers });
    const circuits = opts.circuits;
    new Gauge({
      name: 'switchboard_circuit_state',
      help: 'Circuit breaker state per target: 0 closed, 1 half-open, 2 open.',
      labelNames: ['target'],
      registers,
      collect() {
        this.reset();
        for (const c of circuits?.() ?? []) this.set({ target: c.target }, CIRCUIT_VALUE[c.state] ?? -1);
      },
    });
    const { logDropped, logWritten } = opts;
    new Counter({ name: 'switchboard_request_log_dropped_total', help: 'Request-log records dropped because the write queue was full.', registers, collect() { this.reset(); this.inc(logDropped?.() ?? 0); } });
    new Counter({ name: 'switchboard_request_log_written_total', help: 'Request-log records written to disk.', registers, collect() { this.reset(); this.inc(logWritten?.() ?? 0); } });
  }

  /** Counts one finished API request. */
  observe(r: RequestRecord): void {
    const route = this.routeLabels.of(r.route ?? r.model ?? '');
    const target = this.targetLabels.of(r.target ?? '');
    this.requests.inc({ door: r.door ?? '', route, target, status: String(r.status), error_class: r.errorClass ?? '', cache: r.cache ?? '' });
    this.duration.observe({ route, target }, r.durationMs / 1000);
    if (r.ttftMs !== undefined) this.ttft.observe({ route, target }, r.ttftMs / 1000);
    if (r.overheadMs !== undefined) this.overhead.observe({ door: r.door ?? '' }, Math.max(0, r.overheadMs) / 1000);
    for (const a of r.attempts) this.attempts.inc({ target: this.targetLabels.of(a.target), outcome: a.outcome });
    if (r.usage) {
      const u = r.usage;
      if (u.inputTokens) this.tokens.inc({ route, target, kind: 'input' }, u.inputTokens);
      if (u.outputTokens) this.tokens.inc({ route, target, kind: 'output' }, u.outputTokens);
      if (u.cachedInputTokens) this.tokens.inc({ route, target, kind: 'cached_input' }, u.cachedInputTokens);
      if (u.cacheWriteTokens) this.tokens.inc({ route, target, kind: 'cache_write' }, u.cacheWriteTokens);
      if (u.reasoningTokens) this.tokens.inc({ route, target, kind: 'reasoning' }, u.reasoningTokens);
    }
    if (r.cost) this.cost.inc({ route, target }, r.cost);
    if (r.cache) this.cache.inc({ outcome: r.cache });
    if (r.errorClass === 'rate_limited' || r.errorClass === 'budget') this.rejections.inc({ reason: r.errorClass });
  }

  observeFeedback(r: { route: string; target: string; cache: string }, normalized: number): void {
    const rating = normalized > 0.5 ? 'positive' : normalized < 0.5 ? 'negative' : 'neutral';
    const labels = { route: this.routeLabels.of(r.route), target: this.targetLabels.of(r.target), cache: r.cache };
    this.feedback.inc({ route: labels.route, target: labels.target, cache: labels.cache, rating });
    this.feedbackScore.observe(labels, normalized);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Label values as they come, up to `max` distinct ones; later new ones become OTHER_LABEL. */
class BoundedLabels {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER_LABEL;
    this.seen.add(value);
    return value;
  }
}
