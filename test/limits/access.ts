/** Small helpers for the access-and-cost suites: model calls with a chosen key, admin calls with the master key. */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { cliPath, type TestDaemon } from '../helpers/daemon.js';

export interface Reply {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

export async function call(url: string, path: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(key && { authorization: `Bearer ${key}` }), ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export function chatBody(text = 'hello there', extra: Record<string, unknown> = {}) {
  return { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: text }], max_tokens: 40, ...extra };
}

export function chat(d: { url: string }, key: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Reply> {
  return call(d.url, '/v1/chat/completions', key, chatBody((extra.text as string | undefined) ?? 'hello there', withoutText(extra)), headers);
}

function withoutText(o: Record<string, unknown>) {
  const { text: _t, ...rest } = o;
  return rest;
}

/** Creates a virtual key through the admin API; returns its id and secret. */
export async function createKey(d: TestDaemon, settings: Record<string, unknown>): Promise<{ id: string; secret: string; key: any }> {
  const r = await call(d.url, '/switchboard/v1/keys', d.key, settings);
  if (r.status !== 201) throw new Error(`create key: ${r.status} ${r.text}`);
  return { id: r.json.key.id, secret: r.json.secret, key: r.json.key };
}

export async function usage(d: TestDaemon, by = 'key'): Promise<any> {
  const r = await call(d.url, `/switchboard/v1/usage?by=${by}`, d.key);
  if (r.status !== 200) throw new Error(`usage: ${r.status} ${r.text}`);
  return r.json;
}

/** The ledger is written after the stream ends, off the request path: wait until it shows `n` requests. */
export async function waitForLedger(d: TestDaemon, n: number, timeoutMs = 5000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await usage(d, 'key');
    if (report.total.requests >= n || Date.now() > deadline) return report;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A GET over the daemon's unix socket (keyless). */
export function socketGet(socketPath: string, path: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath, path, method: 'GET' }, async (res) => {
      let text = '';
      for await (const chunk of res) text += chunk;
      resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) });
    });
    req.once('error', reject);
    req.end();
  });
}

/** Runs the built CLI with the given environment; resolves with its exit code and output. */
export function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })));
}
