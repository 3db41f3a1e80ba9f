/**
 * The one typed client the extension uses to talk to the daemon: HTTP over its unix socket (no API key needed
 * there), every response checked against the schemas in daemon/src/protocol.
 */
import * as http from 'node:http';
import type { z } from 'zod';
import {
  HealthResponseSchema,
  ModelListSchema,
  SWITCHBOARD_HEADERS,
  ShutdownResponseSchema,
  type HealthResponse,
  type ModelList,
} from '../../../daemon/src/protocol/switchboard.js';
import { LogQueryResponseSchema, OBSERVABILITY_PATHS, SummarySchema, type LogQueryResponse, type Summary, type SummaryWindow } from '../../../daemon/src/protocol/observability.js';
import {
  OpenAIChatChunkSchema as ChatChunkSchema,
  OpenAIErrorEnvelopeSchema as ErrorEnvelopeSchema,
  type OpenAIChatChunk as ChatChunk,
  type OpenAIChatRequest,
} from '../../../daemon/src/protocol/openai.js';

/** The socket is missing or nobody listens on it. */
export class DaemonUnreachableError extends Error {
  constructor(readonly socketPath: string, cause: unknown) {
    super(`The Switchboard daemon is not running (nothing answers on ${socketPath}).`, { cause });
    this.name = 'DaemonUnreachableError';
  }
}

/** The daemon answered with an error status; `message` is the daemon's own words. */
export class DaemonHttpError extends Error {
  constructor(readonly status: number, readonly code: string | undefined, message: string) {
    super(message);
    this.name = 'DaemonHttpError';
  }
}

/** The daemon answered something that does not match the protocol. */
export class DaemonProtocolError extends Error {
  constructor(what: string, detail: string) {
    super(`Unexpected answer from the daemon for ${what}: ${detail}`);
    this.name = 'DaemonProtocolError';
  }
}

export interface ChatStreamHandlers {
  /** Called once when the response headers arrive. */
  onStart?(meta: { provider?: string; model?: string; requestId?: string }): void;
  onChunk(chunk: ChatChunk): void;
}

export interface ChatStreamResult {
  provider?: string;
  model?: string;
  requestId?: string;
}

export interface DaemonClientOptions {
  /** Per-request timeout for the small JSON calls (ms). Streams have none: Stop aborts them. */
  timeoutMs?: number;
}

export class DaemonClient {
  private readonly timeoutMs: number;

  constructor(readonly socketPath: string, options: DaemonClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  health(signal?: AbortSignal): Promise<HealthResponse> {
    return this.json('GET', '/health', HealthResponseSchema, undefined, signal);
  }

  models(signal?: AbortSignal): Promise<ModelList> {
    return this.json('GET', '/v1/models', ModelListSchema, undefined, signal);
  }

  /** The dashboard's figures over a window (GET /switchboard/v1/summary). */
  summary(window: SummaryWindow, signal?: AbortSignal): Promise<Summary> {
    return this.json('GET', `${OBSERVABILITY_PATHS.summary}?window=${window}`, SummarySchema, undefined, signal);
  }

  /** Request-log records, newest first (GET /switchboard/v1/requests with the query's filters). */
  requests(query: Record<string, string>, signal?: AbortSignal): Promise<LogQueryResponse> {
    return this.json('GET', `${OBSERVABILITY_PATHS.requests}?${new URLSearchParams(query)}`, LogQueryResponseSchema, undefined, signal);
  }

  shutdown(): Promise<z.infer<typeof ShutdownResponseSchema>> {
    return this.json('POST', '/switchboard/v1/shutdown', ShutdownResponseSchema, {});
  }

  /**
   * POST /v1/chat/completions with stream: true. Resolves when the stream ends with [DONE]; aborting `signal`
   * closes the connection, which makes the daemon abort the upstream generation.
   */
  streamChat(request: OpenAIChatRequest, handlers: ChatStreamHandlers, signal?: AbortSignal): Promise<ChatStreamResult> {
    const body = JSON.stringify({ ...request, stream: true, stream_options: { include_usage: true } });
    return new Promise<ChatStreamResult>((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          method: 'POST',
          path: '/v1/chat/completions',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body) },
          signal,
        },
        (res) => {
          const meta: ChatStreamResult = {
            provider: header(res, SWITCHBOARD_HEADERS.provider),
            model: header(res, SWITCHBOARD_HEADERS.model),
            requestId: header(res, SWITCHBOARD_HEADERS.requestId),
          };
          if ((res.statusCode ?? 500) >= 400) {
            readAll(res).then((text) => reject(httpError(res.statusCode ?? 500, text)), reject);
            return;
          }
          handlers.onStart?.(meta);
          let buffer = '';
          let done = false;
          res.setEncoding('utf8');
          res.on('data', (data: string) => {
            buffer += data;
            let sep: number;
            while ((sep = buffer.search(/\r?\n\r?\n/)) >= 0) {
              const event = buffer.slice(0, sep);
              buffer = buffer.slice(sep).replace(/^\r?\n\r?\n/, '');
              const payload = event
                .split(/\r?\n/)
                .filter((line) => line.startsWith('data:'))
                .map((line) => line.slice(5).replace(/^ /, ''))
                .join('\n');
              if (!payload) continue;
              if (payload === '[DONE]') {
                done = true;
                continue;
              }
              let parsed: unknown;
              try {
                parsed = JSON.parse(payload);
              } catch {
                req.destroy();
                reject(new DaemonProtocolError('a stream event', 'not JSON'));
                return;
              }
              const error = ErrorEnvelopeSchema.safeParse(parsed);
              if (error.success) {
                req.destroy();
                reject(new DaemonHttpError(200, stringCode(error.data.error.code), error.data.error.message));
                return;
              }
              const chunk = ChatChunkSchema.safeParse(parsed);
              if (!chunk.success) {
                req.destroy();
                reject(new DaemonProtocolError('a stream chunk', chunk.error.message));
                return;
              }
              handlers.onChunk(chunk.data);
            }
          });
          res.on('end', () => {
            if (done) resolve(meta);
            else reject(new DaemonHttpError(502, 'stream_truncated', 'The daemon closed the stream before it finished.'));
          });
          res.on('error', reject);
        },
      );
      req.on('error', (err) => reject(mapRequestError(this.socketPath, err)));
      req.end(body);
    });
  }

  private json<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<z.infer<S>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          method,
          path,
          signal,
          timeout: this.timeoutMs,
          headers: payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : undefined,
        },
        (res) => {
          readAll(res).then((text) => {
            const status = res.statusCode ?? 500;
            if (status >= 400) return reject(httpError(status, text));
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              return reject(new DaemonProtocolError(`${method} ${path}`, 'not JSON'));
            }
            const checked = schema.safeParse(parsed);
            if (!checked.success) return reject(new DaemonProtocolError(`${method} ${path}`, checked.error.message));
            resolve(checked.data);
          }, reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)));
      req.on('error', (err) => reject(mapRequestError(this.socketPath, err)));
      req.end(payload);
    });
  }
}

function header(res: http.IncomingMessage, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    res.on('data', (b: Buffer) => parts.push(b));
    res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    res.on('error', reject);
  });
}

function stringCode(code: string | number | null | undefined): string | undefined {
  return code === null || code === undefined ? undefined : String(code);
}

function httpError(status: number, text: string): DaemonHttpError {
  try {
    const envelope = ErrorEnvelopeSchema.safeParse(JSON.parse(text));
    if (envelope.success) return new DaemonHttpError(status, stringCode(envelope.data.error.code), envelope.data.error.message);
  } catch {
    // not JSON: fall through to the plain status
  }
  return new DaemonHttpError(status, undefined, `The daemon answered HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}.`);
}

function mapRequestError(socketPath: string, err: Error): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED') return new DaemonUnreachableError(socketPath, err);
  return err;
}
