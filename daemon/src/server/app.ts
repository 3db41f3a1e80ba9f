/**
 * The HTTP application: security checks, routing of endpoints to handlers, request ids, body limits and
 * error mapping into the door's own error shape. Listeners (TCP, unix socket) live in listen.ts.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Door } from '../doors/door.js';
import { anthropicDoor } from '../doors/anthropic/door.js';
import { openAIDoor } from '../doors/openai/door.js';
import { GatewayError, MethodNotAllowedError, NotFoundError } from '../errors.js';
import type { GatewayContext, Identity } from '../gateway/context.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Logger } from '../log.js';
import { ClientAbortError } from '../providers/sdkErrors.js';
import { SWITCHBOARD_HEADERS } from '../protocol/switchboard.js';
import { readJsonBody } from './body.js';
import { handleGeneration } from './generation.js';
import { sendJson } from './respond.js';
import { checkHost, checkOrigin, isLoopbackOrigin, keyMatcher } from './security.js';

export type Via = 'tcp' | 'socket';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  via: Via;
  door: Door;
  startedAt: number;
  /** Filled by handlers for the access log. */
  target?: string;
  /** The pipeline's context, set by the generation handler: the request log reads it. */
  gateway?: GatewayContext;
  /** Who sent a TCP request, when an authenticator is configured (virtual keys). */
  identity?: Identity;
}

export interface AppOptions {
  gateway: Gateway;
  log: Logger;
  /** The key TCP requests must carry; undefined when the config says `auth: none`. */
  masterKey?: string;
  maxBodyBytes: number;
  /** Called after the response to POST /switchboard/v1/shutdown is sent. */
  onShutdownRequest(): void;
  /** Endpoints contributed by other modules (observability: /metrics, requests, summary, feedback). */
  routes?: Record<string, Partial<Record<string, Route>>>;
  /** Called once per request after its response, with the error when it failed (request log, metrics). */
  onRequestEnd?(ctx: RequestContext, failure: unknown): void;
  /** Authenticates TCP requests (master and virtual keys); without it only the master key is accepted. */
  authenticate?(req: IncomingMessage, path: string): Promise<Identity>;
}

export interface Route {
  handler(ctx: RequestContext): Promise<void> | void;
  door: Door;
  /** Served without a key (health checks from load balancers and the extension's probe). */
  public?: boolean;
  socketOnly?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function createApp(opts: AppOptions) {
  const { gateway, log } = opts;
  const authenticate = opts.masterKey ? keyMatcher(opts.masterKey) : undefined;

  const routes: Record<string, Partial<Record<string, Route>>> = {
    '/health': { GET: { door: openAIDoor, public: true, handler: ({ res, requestId }) => sendJson(res, 200, gateway.health(), idHeader(requestId)) } },
    '/v1/models': { GET: { door: openAIDoor, handler: ({ res, requestId }) => sendJson(res, 200, gateway.models(), idHeader(requestId)) } },
    '/v1/chat/completions': { POST: { door: openAIDoor, handler: (ctx) => generation(ctx) } },
    '/v1/messages': { POST: { door: anthropicDoor, handler: (ctx) => generation(ctx) } },
    '/switchboard/v1/shutdown': {
      POST: {
        door: openAIDoor,
        socketOnly: true,
        handler: ({ res, requestId }) => {
          sendJson(res, 202, { stopping: true, pid: process.pid }, idHeader(requestId));
          res.once('finish', () => opts.onShutdownRequest());
        },
      },
    },
    ...opts.routes,
  };

  async function generation(ctx: RequestContext): Promise<void> {
    const body = await readJsonBody(ctx.req, opts.maxBodyBytes);
    await handleGeneration(ctx, gateway, body);
  }

  return async function handle(req: IncomingMessage, res: ServerResponse, via: Via): Promise<void> {
    const incomingId = req.headers[SWITCHBOARD_HEADERS.requestId];
    const requestId = typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID().replaceAll('-', '');
    const path = (req.url ?? '/').split('?')[0] as string;
    const methods = routes[path];
    const route = methods?.[req.method ?? 'GET'];
    const ctx: RequestContext = { req, res, requestId, via, door: route?.door ?? (path.startsWith('/v1/messages') ? anthropicDoor : openAIDoor), startedAt: performance.now() };
    let failure: unknown;
    try {
      if (via === 'tcp') {
        checkHost(req);
        checkOrigin(req);
        if (req.headers.origin) corsHeaders(res, req.headers.origin);
        if (req.method === 'OPTIONS' && methods) return preflight(res, Object.keys(methods));
      }
      if (!methods || (route?.socketOnly && via !== 'socket')) throw new NotFoundError(`No endpoint ${path}. See the README for the API.`, 'unknown_endpoint');
      if (!route) throw new MethodNotAllowedError(req.method ?? '', path, Object.keys(methods));
      if (via === 'tcp' && !route.public) {
        if (opts.authenticate) ctx.identity = await opts.authenticate(req, path);
        else authenticate?.(req);
      }
      await route.handler(ctx);
    } catch (e) {
      failure = e;
      fail(ctx, e);
    } finally {
      // The request log records every request; without it (observability off) an access line at debug level.
      if (opts.onRequestEnd) opts.onRequestEnd(ctx, failure);
      else log.debug('request', {
        id: requestId,
        via,
        method: req.method,
        path,
        status: res.statusCode,
        ms: Math.round((performance.now() - ctx.startedAt) * 100) / 100,
        ...(ctx.target && { target: ctx.target }),
      });
    }
  };

  function fail(ctx: RequestContext, e: unknown): void {
    const { res } = ctx;
    if (e instanceof ClientAbortError || res.destroyed) {
      if (!res.headersSent) res.statusCode = 499; // for the access log: the client closed the request
      res.destroy();
      return;
    }
    let err: GatewayError;
    if (e instanceof GatewayError) {
      err = e;
      if (err.status >= 500) log.warn('upstream failure', { id: ctx.requestId, status: err.status, code: err.code, error: err.message });
    } else {
      log.error('internal error', { id: ctx.requestId, error: e });
      err = new GatewayError(500, 'internal_error', `Internal error in Switchboard; the daemon log has details under request id ${ctx.requestId}.`);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    sendJson(res, err.status, ctx.door.errorBody(err), err.headers, idHeader(ctx.requestId));
  }
}

function idHeader(requestId: string): Record<string, string> {
  return { [SWITCHBOARD_HEADERS.requestId]: requestId };
}

function corsHeaders(res: ServerResponse, origin: string): void {
  if (!isLoopbackOrigin(origin)) return;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'origin');
  res.setHeader('access-control-expose-headers', 'x-request-id, x-switchboard-provider, x-switchboard-model');
}

function preflight(res: ServerResponse, methods: string[]): void {
  res.writeHead(204, {
    'access-control-allow-methods': methods.join(', '),
    'access-control-allow-headers': 'authorization, x-api-key, content-type, anthropic-version, anthropic-beta, x-request-id',
    'access-control-max-age': '600',
  });
  res.end();
}
