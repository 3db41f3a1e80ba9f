/**
 * The HTTP machinery both fake upstreams share: a loopback node:http server, request recording, the
 * behaviour queue, cancellable delays and clean shutdown (stalled responses included).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BehaviourSource, FakeBehaviour, RecordedRequest, ScriptOptions } from './behaviour.js';

/** What a test holds: the address, the recorded requests and the scripting controls. */
export interface FakeUpstream<B extends FakeBehaviour> {
  /** Base URL as the provider's SDK expects it (OpenAI: `http://127.0.0.1:PORT/v1`; Anthropic: no `/v1`). */
  url: string;
  port: number;
  /** The API key the fake accepts. */
  apiKey: string;
  /** Every request received since start or the last reset(), in arrival order (live array). */
  requests: RecordedRequest[];
  /**
   * Queue behaviour(s) for coming requests, consumed first-in first-out (an array queues one entry per element).
   * Requests that fail auth or validation consume nothing. Unmatched requests get the default behaviour.
   */
  script(behaviour: BehaviourSource<B> | BehaviourSource<B>[], opts?: ScriptOptions): void;
  /** The behaviour for requests no queued entry serves (initially `opts.defaultBehaviour` or `{}`). */
  setDefault(behaviour: BehaviourSource<B>): void;
  /** Forget recorded requests, queued behaviours and the default behaviour set by setDefault(). */
  reset(): void;
  /** Resolves once at least `count` requests have been recorded (rejects after timeoutMs, default 5000). */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Number of responses still being written (e.g. stalled streams). */
  openResponses(): number;
  /** Stops listening and destroys every open connection, stalled ones included. */
  close(): Promise<void>;
}

/** One request in flight, handed to a provider's handler. */
export interface Exchange<B extends FakeBehaviour> {
  record: RecordedRequest;
  req: IncomingMessage;
  res: ServerResponse;
  /** Aborted when the client disconnects or the server closes. */
  signal: AbortSignal;
  /** Consume and resolve the behaviour for this request (call once, after auth and validation). */
  takeBehaviour(): B;
  /** Waits ms (no timer when ms ≤ 0); resolves false if the exchange was aborted meanwhile. */
  sleep(ms: number | undefined): Promise<boolean>;
  /** Never resolves until the exchange is aborted. */
  hang(): Promise<void>;
  /** Destroys the socket without finishing the response. */
  cut(): void;
}

export interface FakeServerConfig<B extends FakeBehaviour> {
  apiKey: string;
  /** Appended to `http://127.0.0.1:PORT` to form `url`. */
  basePath: string;
  port?: number;
  defaultBehaviour?: BehaviourSource<B>;
  handle(ex: Exchange<B>): Promise<void>;
}

interface QueueEntry<B extends FakeBehaviour> {
  source: BehaviourSource<B>;
  remaining: number;
  match?: (req: RecordedRequest) => boolean;
}

/** Starts a fake upstream on 127.0.0.1 (ephemeral port unless config.port). */
export async function startFakeServer<B extends FakeBehaviour>(config: FakeServerConfig<B>): Promise<FakeUpstream<B>> {
  const requests: RecordedRequest[] = [];
  let queue: QueueEntry<B>[] = [];
  let defaultSource: BehaviourSource<B> = config.defaultBehaviour ?? ({} as B);
  const live = new Set<AbortController>();
  const waiters = new Set<() => void>();
  let seq = 0;

  const resolveSource = (source: BehaviourSource<B>, record: RecordedRequest): B =>
    typeof source === 'function' ? source(record) : source;

  const takeBehaviour = (record: RecordedRequest): B => {
    const index = queue.findIndex((e) => !e.match || e.match(record));
    if (index < 0) return resolveSource(defaultSource, record);
    const entry = queue[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) queue.splice(index, 1);
    return resolveSource(entry.source, record);
  };

  const server = createServer((req, res) => {
    const controller = new AbortController();
    live.add(controller);
    const chunks: Buffer[] = [];
    let cutByUs = false;
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const record: RecordedRequest = {
        seq: seq++,
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: flattenHeaders(req),
        body: parseJson(rawBody),
        rawBody,
        receivedAt: Date.now(),
        completed: false,
        clientAborted: false,
      };
      requests.push(record);
      for (const wake of [...waiters]) wake();
      res.on('finish', () => {
        record.completed = true;
      });
      res.on('close', () => {
        if (!res.writableFinished && !cutByUs) record.clientAborted = true;
        live.delete(controller);
        controller.abort();
      });
      const origWriteHead = res.writeHead.bind(res);
      res.writeHead = ((...args: Parameters<ServerResponse['writeHead']>) => {
        record.status = args[0];
        return origWriteHead(...args);
      }) as ServerResponse['writeHead'];

      const signal = controller.signal;
      const ex: Exchange<B> = {
        record,
        req,
        res,
        signal,
        takeBehaviour: () => takeBehaviour(record),
        sleep: (ms) => sleep(ms, signal),
        hang: () => new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }))),
        cut: () => {
          cutByUs = true;
          const socket = res.socket;
          if (!socket) return void res.destroy();
          // Let the frames already written reach the client first (the response corks the socket until the
          // next tick), then drop the connection mid-body.
          setImmediate(() => socket.write('', () => socket.destroy()));
        },
      };
      config.handle(ex).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: `fake upstream bug: ${String(err)}` } }));
        } else {
          res.destroy();
        }
      });
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}${config.basePath}`,
    port,
    apiKey: config.apiKey,
    requests,
    script(behaviour, opts = {}) {
      const list = Array.isArray(behaviour) ? behaviour : [behaviour];
      for (const source of list) queue.push({ source, remaining: opts.times ?? 1, match: opts.match });
    },
    setDefault(behaviour) {
      defaultSource = behaviour;
    },
    reset() {
      requests.length = 0;
      queue = [];
      defaultSource = config.defaultBehaviour ?? ({} as B);
      seq = 0;
    },
    waitForRequests(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        if (requests.length >= count) return resolve(requests);
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`fake upstream: expected ${count} requests within ${timeoutMs} ms, got ${requests.length}`));
        }, timeoutMs);
        const check = () => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(requests);
        };
        waiters.add(check);
      });
    },
    openResponses: () => live.size,
    async close() {
      for (const c of live) c.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function parseJson(raw: string): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function sleep(ms: number | undefined, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (!ms || ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Writes a JSON response unless the exchange is gone. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Response headers a behaviour asks for on top of the fake's own (retry-after, extras). */
export function behaviourHeaders(b: FakeBehaviour): Record<string, string> {
  const h: Record<string, string> = { ...(b.headers ?? {}) };
  if (b.retryAfter !== undefined) h['retry-after'] = String(b.retryAfter);
  return h;
}

/** Opens an SSE response. */
export function startSse(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
  res.flushHeaders();
}

/** Writes one SSE frame unless the exchange is gone; returns false when it is. */
export function writeFrame(res: ServerResponse, frame: string): boolean {
  if (res.destroyed || res.writableEnded) return false;
  res.write(frame);
  return true;
}
