/**
 * The observability endpoints: GET /metrics (Prometheus text), GET /switchboard/v1/requests (request-log
 * query, or NDJSON follow), GET /switchboard/v1/summary (the dashboard's figures), POST
 * /switchboard/v1/feedback (satisfaction scores).
 */
import { openAIDoor } from '../doors/openai/door.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import type { GatewayMetrics, CircuitView } from '../metrics/gatewayMetrics.js';
import {
  FeedbackRequestSchema,
  LogQuerySchema,
  OBSERVABILITY_PATHS,
  SUMMARY_WINDOWS,
  type LogQueryResponse,
  type RequestRecord,
  type Summary,
  type SummaryWindow,
} from '../protocol/observability.js';
import { SWITCHBOARD_HEADERS } from '../protocol/switchboard.js';
import type { Route } from '../server/app.js';
import { readJsonBody } from '../server/body.js';
import { sendJson } from '../server/respond.js';
import { normalizedScore, type FeedbackStore } from './feedbackStore.js';
import { recordFilter } from './logQuery.js';
import type { RequestLog } from './requestLog.js';
import type { SummaryWindowStore } from './summaryWindow.js';

export interface RouteDeps {
  metrics: GatewayMetrics;
  summary: SummaryWindowStore;
  requestLog?: RequestLog;
  feedback: FeedbackStore;
  metricsPublic: boolean;
  circuits(): CircuitView[];
  inFlight(): number;
}

const FEEDBACK_BODY_LIMIT = 16 * 1024;

export function observabilityRoutes(d: RouteDeps): Record<string, Partial<Record<string, Route>>> {
  const withFeedback = (r: RequestRecord): RequestRecord => {
    const f = d.feedback.get(r.id);
    return f ? { ...r, feedback: f } : r;
  };

  return {
    [OBSERVABILITY_PATHS.metrics]: {
      GET: {
        door: openAIDoor,
        public: d.metricsPublic,
        handler: async ({ res }) => {
          const text = await d.metrics.text();
          res.writeHead(200, { 'content-type': d.metrics.contentType, 'content-length': Buffer.byteLength(text) });
          res.end(text);
        },
      },
    },
    [OBSERVABILITY_PATHS.requests]: {
      GET: {
        door: openAIDoor,
        handler: async ({ req, res, requestId }) => {
          const log = d.requestLog;
          if (!log) throw new NotFoundError('The request log is off (observability.requestLog.enabled: false).', 'request_log_disabled');
          const params = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
          const parsed = LogQuerySchema.safeParse(params);
          if (!parsed.success) throw new InvalidRequestError(`Invalid query: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'invalid_query');
          const q = parsed.data;
          const filter = recordFilter(q);
          const records = (await log.query(filter, q.limit)).map(withFeedback);
          if (q.follow !== 'true' && q.follow !== '1') {
            const body: LogQueryResponse = { records, dropped: log.dropped };
            sendJson(res, 200, body, { [SWITCHBOARD_HEADERS.requestId]: requestId });
            return;
          }
          res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache', [SWITCHBOARD_HEADERS.requestId]: requestId });
          for (const r of records.reverse()) res.write(JSON.stringify(r) + '\n');
          // Live records: the time filter only bounds the backlog.
          const live = recordFilter({ ...q, since: undefined, until: undefined });
          await new Promise<void>((resolve) => {
            const stop = log.follow((r) => {
              if (live.matches(r) && !res.destroyed) res.write(JSON.stringify(r) + '\n');
            });
            res.once('close', () => {
              stop();
              resolve();
            });
          });
        },
      },
    },
    [OBSERVABILITY_PATHS.summary]: {
      GET: {
        door: openAIDoor,
        handler: async ({ req, res, requestId }) => {
          const window = new URL(req.url ?? '/', 'http://x').searchParams.get('window') ?? '1h';
          if (!(window in SUMMARY_WINDOWS)) throw new InvalidRequestError(`window must be one of ${Object.keys(SUMMARY_WINDOWS).join(', ')}; got "${window}".`, 'invalid_window');
          const s = await d.summary.summarize(window as SummaryWindow);
          const body: Summary = {
            window: window as SummaryWindow,
            ...s,
            circuits: d.circuits().map((c) => ({ target: c.target, state: c.state })),
            inFlight: d.inFlight(),
            logDropped: d.requestLog?.dropped ?? 0,
          };
          sendJson(res, 200, body, { [SWITCHBOARD_HEADERS.requestId]: requestId });
        },
      },
    },
    [OBSERVABILITY_PATHS.feedback]: {
      POST: {
        door: openAIDoor,
        handler: async ({ req, res, requestId }) => {
          const parsed = FeedbackRequestSchema.safeParse(await readJsonBody(req, FEEDBACK_BODY_LIMIT));
          if (!parsed.success) throw new InvalidRequestError(`Invalid feedback: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`, 'invalid_feedback');
          const f = parsed.data;
          let entry = d.summary.get(f.request_id);
          let record: RequestRecord | undefined;
          if (!entry && d.requestLog) record = (await d.requestLog.query(recordFilter({ id: f.request_id, limit: 1 }), 1))[0];
          if (!entry && !record) throw new NotFoundError(`No request with id "${f.request_id}" is known; use the x-request-id header of the response.`, 'unknown_request');
          const feedback = { score: f.score, scale: f.scale, ...(f.comment !== undefined && { comment: f.comment }), time: new Date().toISOString() };
          await d.feedback.add(f.request_id, feedback);
          const normalized = normalizedScore(feedback);
          d.summary.setScore(f.request_id, normalized);
          d.metrics.observeFeedback({ route: entry?.route ?? record?.route ?? record?.model ?? '', target: entry?.target ?? record?.target ?? '', cache: entry?.cache ?? record?.cache ?? '' }, normalized);
          sendJson(res, 200, { request_id: f.request_id, recorded: true, satisfaction: normalized }, { [SWITCHBOARD_HEADERS.requestId]: requestId });
        },
      },
    },
  };
}
