/**
 * Small HTTP helpers for the daemon's bad-input, security and lifecycle suites: plain requests with full
 * control over headers (including Host), raw bytes over a TCP socket for malformed requests, SSE reading,
 * leak checks on bodies and logs, and running the CLI as a child process.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { cliPath } from './daemon.js';

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string | number | undefined>;
  /** A string/Buffer is sent as is; anything else is JSON-encoded (content-type application/json added). */
  body?: unknown;
  /** Talk to the unix socket instead of TCP. */
  socketPath?: string;
  timeoutMs?: number;
}

/** One request with node:http (which, unlike fetch, lets a test set any Host header). */
export function http(base: { port?: number; socketPath?: string } | string, urlPath: string, opts: HttpOptions = {}): Promise<HttpResult> {
  const port = typeof base === 'string' ? Number(new URL(base).port) : base.port;
  const socketPath = opts.socketPath ?? (typeof base === 'string' ? undefined : base.socketPath);
  let payload: Buffer | undefined;
  const headers: Record<string, string | number> = {};
  if (opts.body !== undefined) {
    if (typeof opts.body === 'string' || Buffer.isBuffer(opts.body)) payload = Buffer.from(opts.body);
    else {
      payload = Buffer.from(JSON.stringify(opts.body));
      headers['content-type'] = 'application/json';
    }
    headers['content-length'] = payload.length;
  }
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v === undefined) delete headers[k.toLowerCase()];
    else headers[k.toLowerCase()] = v;
  }
  return new Promise((resolve, reject) => {
    const req = request(
      { ...(socketPath ? { socketPath } : { host: '127.0.0.1', port }), path: urlPath, method: opts.method ?? (payload ? 'POST' : 'GET'), headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('error', reject);
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.setTimeout(opts.timeoutMs ?? 20_000, () => req.destroy(new Error(`request ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Authorization header for the daemon's master key. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * Writes raw bytes to the port (optionally more chunks later, ignoring write errors once the server has
 * closed) and returns everything the server sent until it closed the connection or timeoutMs passed.
 */
export function rawExchange(port: number, chunks: (string | Buffer)[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (d) => {
      received += d.toString('latin1');
      // A complete response with Content-Length: stop reading without waiting for keep-alive to expire.
      const head = received.indexOf('\r\n\r\n');
      const m = /content-length:\s*(\d+)/i.exec(received.slice(0, head));
      if (head !== -1 && m && received.length - head - 4 >= Number(m[1])) finish();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (received || e.code === 'EPIPE' || e.code === 'ECONNRESET') finish();
      else if (!done) {
        done = true;
        clearTimeout(timer);
        reject(e);
      }
    });
    socket.on('close', finish);
    socket.on('connect', async () => {
      for (const c of chunks) {
        if (done || socket.destroyed) return;
        const ok = socket.write(c);
        if (!ok) await new Promise((r) => socket.once('drain', r).once('close', r));
      }
    });
  });
}

/** Splits a raw HTTP/1.1 response into status, lower-cased headers and body (chunked bodies decoded). */
export function parseRawResponse(raw: string): { status: number; headers: Record<string, string>; body: string; json: any } {
  const head = raw.indexOf('\r\n\r\n');
  assert.ok(head !== -1, `no complete HTTP response head in: ${JSON.stringify(raw.slice(0, 300))}`);
  const [statusLine, ...lines] = raw.slice(0, head).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = raw.slice(head + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    let out = '';
    let rest = body;
    for (;;) {
      const nl = rest.indexOf('\r\n');
      if (nl === -1) break;
      const size = parseInt(rest.slice(0, nl), 16);
      if (!size) break;
      out += rest.slice(nl + 2, nl + 2 + size);
      rest = rest.slice(nl + 2 + size + 2);
    }
    body = out;
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status, headers, body, json };
}

/** Reads an SSE response body to its end (or until the connection breaks) and returns the text. */
export async function readAll(res: Response): Promise<{ text: string; error?: Error }> {
  let text = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
    return { text };
  } catch (e) {
    return { text, error: e as Error };
  }
}

/** The `data:` payloads of an SSE text, with their event names. */
export function sseFrames(text: string): { event?: string; data: string }[] {
  return text
    .split('\n\n')
    .filter((f) => f.trim())
    .map((f) => {
      const event = /^event: (.*)$/m.exec(f)?.[1];
      const data = f
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      return { ...(event !== undefined && { event }), data };
    });
}

const STACK_FRAME = /(?:\n|\\n)\s*at [^\n]*(?:\(|:\d+:\d+)|^\s*at .+:\d+:\d+/m;
const FILE_PATH = /(\/work\/|\/home\/|\/tmp\/[^\s"]*\.(?:[cm]?js|ts)|dist\/daemon|node_modules|node:internal|\.ts:\d+|\.js:\d+)/;

/** Asserts a response body carries no stack trace, no source file path and none of the secrets. */
export function assertNoLeak(text: string, secrets: (string | undefined)[], what = 'response body'): void {
  assert.doesNotMatch(text, STACK_FRAME, `${what} carries a stack trace: ${text.slice(0, 500)}`);
  assert.doesNotMatch(text, FILE_PATH, `${what} carries a file path: ${text.slice(0, 500)}`);
  for (const s of secrets) if (s) assert.ok(!text.includes(s), `${what} leaks a secret (${s.slice(0, 6)}…): ${text.slice(0, 500)}`);
}

/** Asserts the daemon's own log lines carry no stack trace and none of the secrets. */
export function assertLogClean(output: string, secrets: (string | undefined)[]): void {
  assert.doesNotMatch(output, STACK_FRAME, `the daemon log carries a stack trace:\n${output.slice(-3000)}`);
  for (const s of secrets) if (s) assert.ok(!output.includes(s), `the daemon log leaks a secret (${s.slice(0, 6)}…)`);
}

/** Asserts an OpenAI-shaped error body `{error:{message,type,code}}` and returns its error object. */
export function assertOpenAIError(r: { status: number; json: any; text: string }, status: number, code?: string, type?: string) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  const e = r.json?.error;
  assert.ok(e && typeof e === 'object', `not an OpenAI error body: ${r.text}`);
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 10, `message too vague: ${e.message}`);
  assert.equal(typeof e.type, 'string');
  assert.ok('code' in e, 'error.code is missing');
  if (code !== undefined) assert.equal(e.code, code, `error.code: ${r.text}`);
  if (type !== undefined) assert.equal(e.type, type, `error.type: ${r.text}`);
  assert.equal(r.json.type, undefined, 'an OpenAI error has no top-level type');
  return e as { message: string; type: string; code: string | null };
}

/** Asserts an Anthropic-shaped error body `{type:"error",error:{type,message}}` and returns its error object. */
export function assertAnthropicError(r: { status: number; json: any; text: string }, status: number, type?: string) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  assert.equal(r.json?.type, 'error', `not an Anthropic error body: ${r.text}`);
  const e = r.json.error;
  assert.ok(e && typeof e.type === 'string' && typeof e.message === 'string', `not an Anthropic error body: ${r.text}`);
  assert.ok(e.message.length > 10, `message too vague: ${e.message}`);
  if (type !== undefined) assert.equal(e.type, type, `error.type: ${r.text}`);
  return e as { type: string; message: string };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/daemon/cli.js …args` with exactly the given environment (plus PATH and HOME). */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 30_000): Promise<CliResult> {
  const proc = spawn(process.execPath, [cliPath, ...args], {
    env: cleanEnv({ PATH: process.env.PATH, HOME: process.env.HOME, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
}

export interface ServeProcess {
  proc: ChildProcess;
  home: string;
  output(): string;
  exited: Promise<number | null>;
  /** The state file once this process wrote it (pid matches). */
  state?: { pid: number; port: number; socketPath: string; host: string };
}

/**
 * Starts `serve --port 0` on a given data folder (which the caller owns and removes), for tests that need
 * two daemons on one folder or a restart on the same folder. Resolves once this process wrote daemon.json,
 * or once it exited (then `state` is undefined).
 */
export async function startServe(home: string, opts: { env?: Record<string, string | undefined>; args?: string[]; timeoutMs?: number } = {}): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [cliPath, 'serve', '--port', '0', ...(opts.args ?? [])], {
    env: cleanEnv({ PATH: process.env.PATH, HOME: process.env.HOME, SWITCHBOARD_HOME: home, SWITCHBOARD_LOG_LEVEL: 'debug', ...opts.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (d) => (output += d));
  proc.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const sp: ServeProcess = { proc, home, output: () => output, exited };
  const file = path.join(home, 'daemon.json');
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    if (existsSync(file)) {
      try {
        const state = JSON.parse(readFileSync(file, 'utf8'));
        if (state.pid === proc.pid) {
          sp.state = state;
          return sp;
        }
      } catch {
        /* being written */
      }
    }
    if (proc.exitCode !== null) {
      await exited;
      return sp;
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`daemon did not start within the deadline:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Stops a process started by startServe (SIGTERM, then SIGKILL after 10 s) and returns its exit code. */
export async function stopServe(sp: ServeProcess | undefined): Promise<number | null> {
  if (!sp) return null;
  if (sp.proc.exitCode === null && sp.proc.signalCode === null) sp.proc.kill('SIGTERM');
  const timer = setTimeout(() => sp.proc.kill('SIGKILL'), 10_000);
  const code = await sp.exited;
  clearTimeout(timer);
  return code;
}

/** Polls until the predicate holds, or fails with the message. */
export async function until(predicate: () => boolean | Promise<boolean>, message: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${message}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
