/**
 * Builds the request-log record of one finished HTTP request from what the HTTP layer knows (path, status,
 * the error) and what the pipeline wrote into its context (identity, route, attempts, cache, usage, cost,
 * decisions) and what the record stages measured (first token, finish, upstream timing).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { targetName } from '../gateway/canonical.js';
import type { Attempt, GatewayContext } from '../gateway/context.js';
import type { AttemptRecord, RequestRecord } from '../protocol/observability.js';
import { classifyError } from './errorClass.js';
import { redactPii } from './piiRedact.js';
import { streamFacts, type StreamFacts } from './recordStage.js';

export interface HttpFacts {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  via: 'tcp' | 'socket';
  startedAt: number;
  path: string;
  /** The pipeline's context, when the request got that far. */
  gateway?: GatewayContext;
  /** True for the generation endpoints (a door's API), even when they failed before the pipeline. */
  door?: 'openai' | 'anthropic';
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export function buildRecord(h: HttpFacts, failure: unknown, opts: { bodies: boolean; secrets: Iterable<string | undefined> }): RequestRecord {
  const now = performance.now();
  const durationMs = round(now - h.startedAt);
  const status = h.res.statusCode;
  const g = h.gateway;
  const facts = g ? streamFacts(g) : undefined;
  const error = failure ?? facts?.error;
  const err = classifyError(error, status);
  const rec = g?.record;
  const attempts = attemptsOf(g, facts, h.startedAt).map((a) => (a.error ? Object.assign({}, a, { error: redactPii(a.error, opts.secrets).slice(0, 500) }) : a));
  const upstreamMs = attempts.reduce((n, a) => n + (a.latencyMs ?? 0), 0);
  const served = facts?.target ?? facts?.upstream?.target;
  const usage = rec?.usage ?? facts?.usage;
  const cost = rec?.cost;
  const record: RequestRecord = {
    id: h.requestId,
    time: new Date(Date.now() - durationMs).toISOString(),
    durationMs,
    via: h.via,
    method: h.req.method ?? 'GET',
    path: h.path,
    status,
    ...(h.door && { door: h.door }),
    ...(err && { errorClass: err.errorClass, ...(err.errorCode && { errorCode: err.errorCode }), ...(err.message && { error: redactPii(err.message, opts.secrets).slice(0, 500) }) }),
    ...(g && {
      keyId: g.identity.keyId,
      ...(g.identity.user && { user: g.identity.user }),
      ...(g.identity.team && { team: g.identity.team }),
      model: g.request.model,
      stream: g.stream,
    }),
    ...(g?.identity.user === undefined && g?.request.user && { user: g.request.user }),
    ...(rec?.route && { route: rec.route }),
    ...(served && { target: targetName(served) }),
    attempts,
    ...(facts?.firstEventAt !== undefined && { ttftMs: round(facts.firstEventAt - h.startedAt) }),
    ...(g && { overheadMs: round(Math.max(0, durationMs - upstreamMs)) }),
    ...(facts?.finishReason && { finishReason: facts.finishReason }),
    ...(rec?.cache && { cache: rec.cache }),
    ...(usage && { usage: { ...usage } }),
    ...(typeof cost === 'number' && { cost }),
    decisions: rec?.decisions ? [...rec.decisions] : [],
  };
  if (opts.bodies && g) record.bodies = bodiesOf(g, facts, opts.secrets);
  return record;
}

/** The routing layer's attempts when it recorded them, else the upstream call the inner stage timed. */
function attemptsOf(g: GatewayContext | undefined, facts: StreamFacts | undefined, startedAt: number): AttemptRecord[] {
  if (g && g.record.attempts.length > 0) return g.record.attempts.map((a) => fromAttempt(a, startedAt));
  const u = facts?.upstream;
  if (!u || !g) return [];
  const outcome = u.error === undefined ? 'ok' : (classifyError(u.error, 502)?.errorClass ?? 'error');
  return [
    {
      target: u.target ? targetName(u.target) : g.request.model,
      startMs: round(u.startedAt - startedAt),
      outcome,
      ...(u.endedAt !== undefined && { latencyMs: round(u.endedAt - u.startedAt) }),
      ...(u.firstEventAt !== undefined && { ttftMs: round(u.firstEventAt - u.startedAt) }),
    },
  ];
}

function fromAttempt(a: Attempt, startedAt: number): AttemptRecord {
  // Attempts may carry epoch or performance.now() start times; both become an offset from arrival.
  const start = a.startedAt > 1e12 ? a.startedAt - (Date.now() - (performance.now() - startedAt)) : a.startedAt - startedAt;
  return {
    target: a.target,
    startMs: round(Math.max(0, start)),
    outcome: a.outcome,
    ...(a.status !== undefined && { status: a.status }),
    ...(a.latencyMs !== undefined && { latencyMs: round(a.latencyMs) }),
    ...(a.ttftMs !== undefined && { ttftMs: round(a.ttftMs) }),
    ...(a.error !== undefined && { error: a.error }),
  };
}

function bodiesOf(g: GatewayContext, facts: StreamFacts | undefined, secrets: Iterable<string | undefined>): NonNullable<RequestRecord['bodies']> {
  const list = [...secrets];
  const text = (parts: GatewayContext['request']['messages'][number]['content']) =>
    parts
      .map((p) => (p.type === 'text' ? p.text : p.type === 'tool_result' ? p.content : p.type === 'tool_call' ? `[tool call ${p.name}(${p.arguments})]` : '[image]'))
      .join('\n');
  return {
    ...(g.request.system !== undefined && { system: redactPii(g.request.system, list) }),
    messages: g.request.messages.map((m) => ({ role: m.role, text: redactPii(text(m.content), list) })),
    completion: redactPii(facts?.completion ?? '', list),
  };
}
