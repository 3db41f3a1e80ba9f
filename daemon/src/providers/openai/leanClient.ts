/**
 * The OpenAI tier's calls without the SDK's fetch: one keep-alive undici Pool per upstream, dispatched with a
 * handler of our own (exchange.ts), a small SSE reader for streams and one JSON.parse for whole answers.
 * Profiling the daemon under load (bench/profile.ts) put ~40 % of its CPU in the SDK's request path (WHATWG
 * fetch, web streams, its SSE decoder, per-request header building and debug formatting); this path does the
 * same HTTP exchange for a fraction of that (figures in bench/HISTORY.md).
 *
 * Behaviour is the SDK's, so that everything downstream (sdkErrors.ts, routing) sees the same thing: failures are
 * the SDK's own error classes (APIError.generate for an HTTP status with the parsed error body and headers,
 * APIConnectionError, APIConnectionTimeoutError when no response headers came within the timeout), the stream
 * stops at `[DONE]`, and a `data: {"error": …}` frame throws an APIError as the SDK's Stream does.
 */
import type { CancelSignal } from '../../gateway/cancel.js';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import type { Pool } from 'undici';
import { exchange, type ExchangeResponse } from './exchange.js';
import { sseData } from './sse.js';

export interface LeanClientOptions {
  apiKey: string;
  /** `OpenAI-Organization` / `OpenAI-Project`, as the SDK sends them when configured. */
  organization?: string | null;
  project?: string | null;
  /** e.g. `https://api.openai.com/v1` */
  baseURL: string;
  /**
   * Longest wait for the response headers (the SDK's `timeout` covers the same span). A whole (non-streamed)
   * answer's headers come only once it is generated, so this bounds the whole call there.
   */
  timeoutMs: number;
}

export interface LeanClient {
  stream(params: ChatCompletionCreateParamsStreaming, signal: CancelSignal): AsyncIterable<ChatCompletionChunk>;
  /** The whole answer in one response body (`stream` off). */
  complete(params: ChatCompletionCreateParamsNonStreaming, signal: CancelSignal): Promise<ChatCompletion>;
  close(): Promise<void>;
}

export function createLeanClient(opts: LeanClientOptions): LeanClient {
  const base = new URL(opts.baseURL.endsWith('/') ? opts.baseURL : `${opts.baseURL}/`);
  const path = `${base.pathname}chat/completions${base.search}`;
  // Loaded on the first request, not at start-up: evaluating undici takes ~85 ms, the daemon is ready in less.
  let undici: Promise<{ pool: Pool; HeadersTimeoutError: abstract new (...args: never[]) => Error }> | undefined;
  const load = () =>
    (undici ??= import('undici').then((u) => ({
      // No connection cap: the gateway's own limits decide concurrency; idle sockets are reused, not re-opened.
      pool: new u.Pool(base.origin, { keepAliveTimeout: 30_000, headersTimeout: opts.timeoutMs, bodyTimeout: 300_000 }),
      HeadersTimeoutError: u.errors.HeadersTimeoutError,
    })));
  const headers: Record<string, string> = { authorization: `Bearer ${opts.apiKey}`, 'content-type': 'application/json', accept: 'application/json' };
  if (opts.organization) headers['openai-organization'] = opts.organization;
  if (opts.project) headers['openai-project'] = opts.project;

  /** POSTs the parameters; a non-2xx status becomes the SDK's APIError with the parsed body and headers. */
  async function post(params: object, signal: CancelSignal, headersTimeout?: number): Promise<{ res: ExchangeResponse; responseHeaders: () => Headers }> {
    const { pool, HeadersTimeoutError } = await load();
    let res;
    try {
      res = await exchange(pool, { path, method: 'POST', headers, body: JSON.stringify(params), ...(headersTimeout !== undefined && { headersTimeout }) }, signal);
    } catch (e) {
      if (signal.aborted) throw e;
      if (e instanceof HeadersTimeoutError) throw new APIConnectionTimeoutError();
      throw new APIConnectionError({ cause: e as Error });
    }
    // Headers are converted only when an error needs them (a Headers object per request is measurable).
    const raw = res.headers;
    const responseHeaders = () => toHeaders(raw);
    if (res.statusCode < 200 || res.statusCode > 299) {
      const text = await bodyText(res, MAX_ERROR_BYTES).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
      const json = safeJson(text);
      throw APIError.generate(res.statusCode, json, json ? undefined : text, responseHeaders());
    }
    return { res, responseHeaders };
  }

  async function* stream(params: ChatCompletionCreateParamsStreaming, signal: CancelSignal): AsyncIterable<ChatCompletionChunk> {
    const { res, responseHeaders } = await post(params, signal);
    let done = false;
    try {
      for await (const data of sseData(res.body)) {
        // As the SDK does: after [DONE] the rest is read (so the connection is reused) and ignored.
        if (done || (done = data.startsWith('[DONE]'))) continue;
        const chunk = JSON.parse(data) as ChatCompletionChunk & { error?: unknown };
        if (chunk?.error) throw new APIError(undefined, chunk.error as object, undefined, responseHeaders());
        yield chunk;
      }
    } finally {
      // A consumer that stops early (or an error) must not leave the socket mid-body: destroy it.
      res.body.destroy();
    }
  }

  async function complete(params: ChatCompletionCreateParamsNonStreaming, signal: CancelSignal): Promise<ChatCompletion> {
    // The headers of a whole answer come only once it is generated: the gateway's total timeout bounds the
    // call (its watchdog aborts `signal`), not the pool's wait for headers.
    const { res, responseHeaders } = await post(params, signal, 0);
    let text: string;
    try {
      text = await bodyText(res, MAX_ANSWER_BYTES);
    } catch (e) {
      if (signal.aborted || e instanceof APIError) throw e;
      throw new APIConnectionError({ cause: e as Error });
    }
    const json = safeJson(text) as (ChatCompletion & { error?: unknown }) | undefined;
    // A 200 whose body is not a completion (cut, HTML from a proxy, an error object) is the upstream's failure.
    if (json?.error) throw new APIError(undefined, json.error as object, undefined, responseHeaders());
    if (!json || !Array.isArray(json.choices)) throw new APIError(undefined, undefined, `The answer is not a chat completion: ${text.slice(0, 200)}`, responseHeaders());
    return json;
  }

  // Called after the listeners drained (or gave up on) their streams: whatever is still open is cut, never waited on.
  return { stream, complete, close: async () => (undici ? (await undici).pool.destroy() : undefined) };
}

/** The most of a whole answer, and of an error body, read from an upstream (an answer is kilobytes). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
const MAX_ERROR_BYTES = 1024 * 1024;

/**
 * The body as text, at most `max` bytes, so that an upstream sending without end cannot take the daemon's
 * memory: a Content-Length over it fails at once, a body without one is read with a running count.
 */
async function bodyText(res: ExchangeResponse, max: number): Promise<string> {
  const length = Number(res.headers['content-length']);
  if (length > max) {
    res.body.destroy();
    throw new APIError(undefined, undefined, `The upstream's answer is ${length} bytes, over the ${max} read.`, undefined);
  }
  if (Number.isFinite(length)) return res.body.text();
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of res.body) {
    bytes += chunk.length;
    if (bytes > max) {
      res.body.destroy();
      throw new APIError(undefined, undefined, `The upstream's answer is over the ${max} bytes read.`, undefined);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const h = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) h.append(name, v);
    else if (value !== undefined) h.append(name, value);
  }
  return h;
}

function safeJson(text: string): object | undefined {
  try {
    return JSON.parse(text) as object;
  } catch {
    return undefined;
  }
}
