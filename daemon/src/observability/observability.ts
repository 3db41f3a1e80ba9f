/**
 * Observability wiring: the record stages, the per-request hook the HTTP layer calls when a response is done
 * (request log, metrics, summary, traces), and the endpoints that read them. Everything here is off the
 * request's path except a few counters; with `observability.enabled: false` none of it exists.
 */
import path from 'node:path';
import type { Stage } from '../gateway/context.js';
import type { Logger } from '../log.js';
import { GatewayMetrics, type CircuitView } from '../metrics/gatewayMetrics.js';
import type { RequestRecord } from '../protocol/observability.js';
import type { RequestContext, Route } from '../server/app.js';
import type { RequestTracer } from '../tracing/otlpTracer.js';
import { observabilityRoutes } from './adminRoutes.js';
import { buildRecord } from './buildRecord.js';
import type { ObservabilityConfig } from './configSchema.js';
import { FeedbackStore, normalizedScore } from './feedbackStore.js';
import { recordFilter } from './logQuery.js';
import { innerRecordStage, outerRecordStage, streamFacts } from './recordStage.js';
import { RequestLog } from './requestLog.js';
import { SummaryWindowStore, type WindowEntry } from './summaryWindow.js';

export interface Observability {
  /** Stages for the gateway: `outer` goes first in the list, `inner` last (absent when off). */
  stages: { outer?: Stage; inner?: Stage };
  /** For createApp: called once per HTTP request after its response (absent when off). */
  onRequestEnd?(ctx: RequestContext, failure: unknown): void;
  routes: Record<string, Partial<Record<string, Route>>>;
  /** Where circuit-breaker states come from (the routing layer), for metrics and the summary. */
  setCircuitSource(source: () => CircuitView[]): void;
  close(): Promise<void>;
}

/** Reads that would drown the log: probes, scrapes and the dashboard's own polling. */
const NOT_LOGGED = new Set(['GET /health', 'GET /metrics', 'GET /switchboard/v1/summary', 'GET /switchboard/v1/requests']);

export interface ObservabilityOptions {
  config: ObservabilityConfig;
  home: string;
  log: Logger;
  version: string;
  /** Secret values (provider keys, the master key) that must never appear in records. */
  secrets: (string | undefined)[];
}

export async function createObservability(opts: ObservabilityOptions): Promise<Observability> {
  const { config, log } = opts;
  let circuits: () => CircuitView[] = () => [];
  if (!config.enabled) return { stages: {}, routes: {}, setCircuitSource: (s) => (circuits = s), close: async () => {} };

  const logsDir = path.join(opts.home, 'logs');
  const requestLog = config.requestLog.enabled
    ? new RequestLog({
        dir: path.join(logsDir, 'requests'),
        queueSize: config.requestLog.queueSize,
        maxFileBytes: config.requestLog.maxFileBytes,
        retentionDays: config.requestLog.retentionDays,
        maxTotalBytes: config.requestLog.maxTotalBytes,
        onError: (e) => log.error('request log write failed', { error: e }),
      })
    : undefined;
  const feedback = new FeedbackStore(path.join(logsDir, 'feedback.jsonl'));
  const summary = new SummaryWindowStore();
  const metrics = new GatewayMetrics({ circuits: () => circuits(), logDropped: () => requestLog?.dropped ?? 0, logWritten: () => requestLog?.written ?? 0 });
  let tracer: RequestTracer | undefined;
  if (config.traces.endpoint) {
    const { createTracer } = await import('../tracing/otlpTracer.js');
    tracer = await createTracer({ ...config.traces, endpoint: config.traces.endpoint }, opts.version, log);
  }
  if (requestLog) await reloadWindow(requestLog, feedback, summary).catch((e: unknown) => log.warn('could not reload the last day of requests', { error: e }));

  let inFlight = 0;
  const outer = outerRecordStage({ bodies: config.requestLog.bodies });
  const stages: Observability['stages'] = {
    outer: (ctx, next) => {
      metrics.inFlight.set(++inFlight);
      return outer(ctx, next);
    },
    inner: innerRecordStage(),
  };

  function onRequestEnd(ctx: RequestContext, failure: unknown): void {
    const method = ctx.req.method ?? 'GET';
    const urlPath = (ctx.req.url ?? '/').split('?')[0] as string;
    if (NOT_LOGGED.has(`${method} ${urlPath}`)) return;
    const g = ctx.gateway;
    if (g && streamFacts(g)) metrics.inFlight.set(--inFlight);
    // API calls (a door's endpoints) count in the summary and the metrics, also when refused before the pipeline.
    const door = g?.door ?? (urlPath.startsWith('/v1/') && urlPath !== '/v1/models' ? ctx.door.name : undefined);
    let record: RequestRecord;
    try {
      const facts = { req: ctx.req, res: ctx.res, requestId: ctx.requestId, via: ctx.via, startedAt: ctx.startedAt, path: urlPath, gateway: g, door };
      record = buildRecord(facts, failure, { bodies: config.requestLog.bodies, secrets: opts.secrets });
    } catch (e) {
      log.error('could not build the request record', { id: ctx.requestId, error: e });
      return;
    }
    requestLog?.write(record);
    log.debug('request', { id: record.id, via: record.via, method, path: urlPath, status: record.status, ms: record.durationMs, ...(record.target && { target: record.target }) });
    if (!door) return;
    metrics.observe(record);
    summary.add(windowEntry(record));
    if (tracer) {
      const tp = ctx.req.headers.traceparent;
      tracer.trace(record, typeof tp === 'string' ? tp : undefined, { maxTokens: g?.request.maxTokens, temperature: g?.request.temperature, topP: g?.request.topP });
    }
  }

  return {
    stages,
    onRequestEnd,
    routes: observabilityRoutes({ metrics, summary, requestLog, feedback, metricsPublic: config.metrics.auth === 'none', circuits: () => circuits(), inFlight: () => inFlight }),
    setCircuitSource: (s) => (circuits = s),
    async close() {
      await requestLog?.close();
      await tracer?.shutdown();
    },
  };
}

export function windowEntry(r: RequestRecord): WindowEntry {
  return {
    id: r.id,
    t: Date.parse(r.time) + r.durationMs, // end time: entries arrive in end order, which keeps the window sorted
    route: r.route ?? r.model ?? '',
    target: r.target ?? '',
    error: r.status >= 400 || r.errorClass !== undefined,
    latencyMs: r.durationMs,
    ...(r.ttftMs !== undefined && { ttftMs: r.ttftMs }),
    inputTokens: r.usage?.inputTokens ?? 0,
    outputTokens: r.usage?.outputTokens ?? 0,
    cachedTokens: r.usage?.cachedInputTokens ?? 0,
    cost: r.cost ?? 0,
    cache: r.cache ?? '',
    ...(r.feedback && { score: normalizedScore(r.feedback) }),
  };
}

/** The summary survives a restart: the last day of generation requests is read back from the log. */
async function reloadWindow(requestLog: RequestLog, feedback: FeedbackStore, summary: SummaryWindowStore): Promise<void> {
  const recent = await requestLog.query(recordFilter({ since: '24h', limit: 200_000 }), 200_000);
  for (const r of recent.reverse()) {
    if (!r.door) continue;
    const f = feedback.get(r.id);
    summary.add(windowEntry(f ? { ...r, feedback: f } : r));
  }
}
