/** Helpers for the cache suites: a daemon with the cache on, requests, and the shared word-vector file. */
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';

/** Built once (first suite that needs it, ~2 s) and reused: each test daemon has a fresh data folder. */
export const wordVectorFile = path.join(repoRoot, '.cache', 'test', 'wink-sg-100d-100k.bin');

export function cacheYaml(extra = '', cache = ''): string {
  return `cache:
  enabled: true
  flushMs: 50
  embedder:
    type: wink
    file: ${JSON.stringify(wordVectorFile)}
${cache
  .split('\n')
  .filter(Boolean)
  .map((l) => `  ${l}`)
  .join('\n')}
${extra}`;
}

export interface ChatResult {
  status: number;
  cache: string | null;
  similarity: string | null;
  text: string;
  json: any;
  headers: Headers;
}

export async function chat(
  d: { url: string; key: string },
  content: string,
  opts: { model?: string; temperature?: number | null; system?: string; user?: string; headers?: Record<string, string>; body?: Record<string, unknown>; maxTokens?: number } = {},
): Promise<ChatResult> {
  const messages = [...(opts.system ? [{ role: 'system', content: opts.system }] : []), { role: 'user', content }];
  const body = {
    model: opts.model ?? 'openai/gpt-4o-mini',
    messages,
    ...(opts.temperature !== null && { temperature: opts.temperature ?? 0 }),
    ...(opts.user && { user: opts.user }),
    ...(opts.maxTokens && { max_tokens: opts.maxTokens }),
    ...opts.body,
  };
  const res = await fetch(`${d.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${d.key}`, 'content-type': 'application/json', ...opts.headers },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  return {
    status: res.status,
    cache: res.headers.get('x-switchboard-cache'),
    similarity: res.headers.get('x-switchboard-cache-similarity'),
    text: json?.choices?.[0]?.message?.content ?? '',
    json,
    headers: res.headers,
  };
}

export async function admin(d: { url: string; key: string }, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${d.url}${p}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${d.key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

/** Polls until the cache's embedder is ready (first start converts the word vectors). */
export async function waitForEmbedder(d: { url: string; key: string }, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await admin(d, '/switchboard/v1/cache');
    if (s.json.embedderReady) return;
    if (Date.now() > deadline) throw new Error(`embedder not ready: ${JSON.stringify(s.json)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
