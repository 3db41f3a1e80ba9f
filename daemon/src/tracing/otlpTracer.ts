/**
 * OpenTelemetry traces of finished requests, following the GenAI semantic conventions: one SERVER span per
 * request and one CLIENT span per upstream attempt, exported over OTLP/HTTP. The SDK is imported only when an
 * endpoint is configured, so tracing costs nothing when it is off. Spans are built from the request record
 * after the response, with their real start and end times, so the request path never waits on tracing.
 */
import type { RequestRecord } from '../protocol/observability.js';
import type { Logger } from '../log.js';

export interface TracesConfig {
  endpoint?: string;
  headers: Record<string, string>;
  serviceName: string;
  sampleRatio: number;
}

export interface RequestTracer {
  /** `traceparent` is the caller's W3C trace header, so our spans join the caller's trace. */
  trace(record: RequestRecord, traceparent: string | undefined, extra: { maxTokens?: number; temperature?: number; topP?: number }): void;
  shutdown(): Promise<void>;
}

export async function createTracer(cfg: TracesConfig & { endpoint: string }, version: string, log: Logger): Promise<RequestTracer> {
  const [api, core, base, exporterMod, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = new exporterMod.OTLPTraceExporter({ url: cfg.endpoint, headers: cfg.headers });
  const provider = new base.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': cfg.serviceName, 'service.version': version }),
    sampler: new base.ParentBasedSampler({ root: new base.TraceIdRatioBasedSampler(cfg.sampleRatio) }),
    spanProcessors: [new base.BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('switchboard', version);
  const propagator = new core.W3CTraceContextPropagator();
  log.info('tracing on', { endpoint: cfg.endpoint });

  return {
    trace(r, traceparent, extra) {
      const start = Date.parse(r.time);
      const parent = traceparent ? propagator.extract(api.ROOT_CONTEXT, { traceparent }, api.defaultTextMapGetter) : api.ROOT_CONTEXT;
      const [provider0, model0] = splitTarget(r.target);
      const span = tracer.startSpan(
        `chat ${r.model ?? r.path}`,
        {
          kind: api.SpanKind.SERVER,
          startTime: start,
          attributes: clean({
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': r.model,
            'gen_ai.response.model': model0,
            'gen_ai.provider.name': provider0,
            'gen_ai.system': provider0,
            'gen_ai.response.id': r.id,
            'gen_ai.response.finish_reasons': r.finishReason ? [r.finishReason] : undefined,
            'gen_ai.usage.input_tokens': r.usage?.inputTokens,
            'gen_ai.usage.output_tokens': r.usage?.outputTokens,
            'gen_ai.request.max_tokens': extra.maxTokens,
            'gen_ai.request.temperature': extra.temperature,
            'gen_ai.request.top_p': extra.topP,
            'http.request.method': r.method,
            'http.route': r.path,
            'http.response.status_code': r.status,
            'error.type': r.errorClass,
            'switchboard.request_id': r.id,
            'switchboard.route': r.route,
            'switchboard.cache': r.cache,
            'switchboard.key_id': r.keyId,
            'switchboard.user': r.user,
            'switchboard.ttft_ms': r.ttftMs,
            'switchboard.cost_usd': r.cost,
          }),
        },
        parent,
      );
      if (r.errorClass) span.setStatus({ code: api.SpanStatusCode.ERROR, message: r.error ?? r.errorClass });
      const ctx = api.trace.setSpan(parent, span);
      for (const a of r.attempts) {
        const [p, m] = splitTarget(a.target);
        const child = tracer.startSpan(
          `chat ${m ?? a.target}`,
          {
            kind: api.SpanKind.CLIENT,
            startTime: start + a.startMs,
            attributes: clean({
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': p,
              'gen_ai.system': p,
              'gen_ai.request.model': m,
              'error.type': a.outcome === 'ok' ? undefined : a.outcome,
              'http.response.status_code': a.status,
              'switchboard.ttft_ms': a.ttftMs,
            }),
          },
          ctx,
        );
        if (a.outcome !== 'ok') child.setStatus({ code: api.SpanStatusCode.ERROR, message: a.error ?? a.outcome });
        child.end(start + a.startMs + (a.latencyMs ?? 0));
      }
      span.end(start + r.durationMs);
    },
    async shutdown() {
      await provider.shutdown().catch((e: unknown) => log.warn('trace export failed at shutdown', { error: e }));
    },
  };
}

function splitTarget(t: string | undefined): [string | undefined, string | undefined] {
  if (!t) return [undefined, undefined];
  const i = t.indexOf('/');
  return i === -1 ? [undefined, t] : [t.slice(0, i), t.slice(i + 1)];
}

function clean(attrs: Record<string, string | number | boolean | string[] | undefined>): Record<string, string | number | boolean | string[]> {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out[k] = v;
  return out;
}
