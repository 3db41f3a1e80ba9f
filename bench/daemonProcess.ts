/**
 * Starts the built daemon (`dist/daemon/cli.js serve`) as a child process against a fake upstream, for
 * benchmarks: a fresh data folder, a master key, and the provider variables pointing at the fake.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const DAEMON_CLI = resolve(import.meta.dirname, '..', 'dist', 'daemon', 'cli.js');

export interface DaemonUnderTest {
  /** `http://127.0.0.1:PORT` */
  url: string;
  masterKey: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the first 200 from `GET /health` (to within `pollMs`). */
  readyMs: number;
  /** Everything the daemon wrote to stdout/stderr so far (for failure reports). */
  output(): string;
  stop(): Promise<void>;
}

export interface StartDaemonOptions {
  /** Extra environment (e.g. OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_*). */
  env: Record<string, string>;
  /** How long to wait for `GET /health` to answer 200; default 20 s. */
  readyTimeoutMs?: number;
  /** How often /health is polled while starting; default 50 ms (the start-up benchmark uses less). */
  pollMs?: number;
  /** Node flags before the script (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
  /** Another build of the CLI than dist/daemon/cli.js (comparing bundle variants); default DAEMON_CLI. */
  cli?: string;
}

/** True when `npm run build` has produced the daemon's CLI. */
export function daemonBuilt(): boolean {
  return existsSync(DAEMON_CLI);
}

/** Asks the OS for a free loopback port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Spawns the daemon and resolves once its /health answers 200. */
export async function startDaemon(opts: StartDaemonOptions): Promise<DaemonUnderTest> {
  const home = await mkdtemp(join(tmpdir(), 'switchboard-bench-'));
  const port = await freePort();
  const masterKey = `sb-bench-${process.pid}-${Date.now()}`;
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.cli ?? DAEMON_CLI, 'serve', '--port', String(port)], {
    env: { ...process.env, SWITCHBOARD_HOME: home, SWITCHBOARD_MASTER_KEY: masterKey, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (b: Buffer) => {
    log = (log + b.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: string | undefined;
  const exitedPromise = new Promise<void>((r) => child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
    r();
  }));

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitedPromise;
      clearTimeout(timer);
    }
    await rm(home, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`daemon ${exited} before it was ready:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`daemon not healthy after ${opts.readyTimeoutMs ?? 20_000} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 50));
  }
  return { url, masterKey, child, readyMs: performance.now() - spawnedAt, output: () => log, stop };
}

export interface Inspector {
  send(method: string, params?: object): Promise<unknown>;
  close(): void;
}

/**
 * A minimal Chrome DevTools Protocol client on the inspector of a daemon started with `--inspect=127.0.0.1:0`
 * (its URL is on the daemon's stderr). Needs a global WebSocket: node --experimental-websocket.
 */
export async function connectInspector(daemon: DaemonUnderTest): Promise<Inspector> {
  const url = /ws:\/\/\S+/.exec(daemon.output())?.[0];
  if (!url) throw new Error(`no inspector URL in the daemon's output:\n${daemon.output()}`);
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const pending = new Map<number, (v: unknown) => void>();
  ws.onmessage = (ev) => {
    const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  };
  return {
    send: (method, params = {}) => new Promise((resolve) => {
      pending.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    }),
    close: () => ws.close(),
  };
}
