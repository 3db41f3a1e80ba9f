/**
 * Portkey's open-source gateway (`@portkey-ai/gateway`, a devDependency) as the peer: started from its
 * published build on a free loopback port, `--headless` (no UI), routed to the fake upstream per request
 * with its own headers (`x-portkey-provider`, `x-portkey-custom-host`), as ../shared/recipes/peers.md says.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '../daemonProcess.js';

export const PORTKEY_SERVER = resolve(import.meta.dirname, '..', '..', 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');

export interface PortkeyProcess {
  url: string;
  child: ChildProcess;
  /** Milliseconds from spawn to its first 200 on `GET /`. */
  readyMs: number;
  stop(): Promise<void>;
}

export function portkeyInstalled(): boolean {
  return existsSync(PORTKEY_SERVER);
}

/** Headers that make Portkey forward a request to an OpenAI-compatible upstream at `upstreamURL` (…/v1). */
export function portkeyHeaders(upstreamURL: string): Record<string, string> {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': upstreamURL };
}

export async function startPortkey(): Promise<PortkeyProcess> {
  const port = await freePort();
  const started = performance.now();
  // Its `--port` flag only takes the `--port=N` form.
  const child = spawn(process.execPath, [PORTKEY_SERVER, `--port=${port}`, '--headless'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-5000)));
  let exited = false;
  const exitedPromise = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`portkey exited before it was ready:\n${err}`);
    try {
      const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`portkey not ready after 20 s:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - started;
  return {
    url,
    child,
    readyMs,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}
