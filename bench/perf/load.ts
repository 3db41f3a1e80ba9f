/**
 * The load generator every target gets: one undici Pool per target and scenario (keep-alive connections),
 * µs timing with performance.now(), and the same request bodies. Closed loop (N connections, each sends its
 * next request when the last one ended: throughput), fixed rate (requests started on a schedule over N
 * connections: latency when the target is not saturated), sequential, and a burst of concurrent streams.
 */
import { performance } from 'node:perf_hooks';
import { type Dispatcher, Pool } from 'undici';
import { STREAM_MARKER } from './upstreamProcess.js';

export interface Target {
  label: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** `/v1/chat/completions` */
  path: string;
  headers: Record<string, string>;
  /** The model as this target names it. */
  model: string;
}

export interface Sample {
  totalMs: number;
  /** Streaming: time to the first non-empty content delta. */
  ttftMs?: number;
}

export interface LoadResult {
  samples: Sample[];
  errors: number;
  seconds: number;
  /** The first error's text, for the report. */
  firstError?: string;
}

const WORDS = ('apple river stone cloud music garden engine letter silver forest window market summer planet bridge ' +
  'candle doctor island winter yellow camera basket mirror castle rocket pencil violin harbor meadow tunnel ' +
  'orange button dragon feather jungle kitten ladder marble needle oyster pepper quilt saddle ticket umbrella ' +
  'velvet walnut zebra anchor blanket').split(' ');

/**
 * A distinct prompt per request number (three words from a 50-word list: 125,000 combinations), so that a
 * response cache looks up and misses every time, as it does on real traffic, without every prompt embedding
 * to the same vector. temperature 0 makes the requests cacheable.
 */
export function requestBody(model: string, n: number, stream: boolean): string {
  const w = (k: number) => WORDS[Math.floor(n / 50 ** k) % 50]!;
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: `Tell the benchmark about the ${w(0)} ${w(1)} and the ${w(2)}${stream ? ` ${STREAM_MARKER}` : ''}` }],
    max_tokens: 64,
    temperature: 0,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

let sequence = 0;
/** Request numbers run on across scenarios so that no two requests of a run share a prompt (within 125,000). */
export function nextRequestNumber(): number {
  return sequence++;
}

export function openPool(t: Target, connections: number): Pool {
  return new Pool(t.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 60_000, bodyTimeout: 60_000 });
}

const CONTENT = /"content":\s*"[^"]/;

/** One request, body read to the end; throws on a non-200 or a stream that does not end with [DONE]. */
export async function send(pool: Dispatcher, t: Target, stream: boolean): Promise<Sample> {
  const payload = requestBody(t.model, nextRequestNumber(), stream);
  const started = performance.now();
  const res = await pool.request({ path: t.path, method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: payload });
  if (res.statusCode !== 200) throw new Error(`${t.label}: HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 300)}`);
  if (!stream) {
    await res.body.dump({ limit: Infinity });
    return { totalMs: performance.now() - started };
  }
  let ttftMs: number | undefined;
  let head = '';
  let tail = '';
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    const text = chunk.toString('utf8');
    if (ttftMs === undefined) {
      head += text;
      if (CONTENT.test(head)) ttftMs = performance.now() - started;
    }
    tail = (tail + text).slice(-64);
  }
  const totalMs = performance.now() - started;
  if (!tail.includes('[DONE]')) throw new Error(`${t.label}: stream ended without [DONE]`);
  return { totalMs, ttftMs };
}

/** `n` requests one after another on one connection. */
export async function sequential(t: Target, n: number, stream: boolean): Promise<LoadResult> {
  const pool = openPool(t, 1);
  try {
    return await collect(async (record) => {
      for (let i = 0; i < n; i++) await record(() => send(pool, t, stream));
    });
  } finally {
    await pool.close();
  }
}

/** `connections` clients, each sending its next request as soon as the last one ended, for `durationMs`. */
export async function closedLoop(t: Target, connections: number, durationMs: number, stream = false): Promise<LoadResult> {
  const pool = openPool(t, connections);
  try {
    // Open the connections first, as fixedRate does: a saturated Node server accepts one new connection per
    // event-loop iteration (libuv 1.46), so connections opened inside the timed loop wait out most of it and
    // their first requests would be the P99 (bench/newConnections.ts measures that on its own).
    await Promise.all(Array.from({ length: connections }, () => send(pool, t, stream)));
    const until = performance.now() + durationMs;
    return await collect((record) =>
      Promise.all(Array.from({ length: connections }, async () => {
        while (performance.now() < until) await record(() => send(pool, t, stream));
      })).then(() => undefined),
    );
  } finally {
    await pool.close();
  }
}

/**
 * `rate` requests a second spread over `connections` keep-alive connections for `durationMs`: the latency
 * a user sees when the gateway is not the bottleneck (a closed loop at full speed measures queueing instead).
 */
export async function fixedRate(t: Target, connections: number, rate: number, durationMs: number): Promise<LoadResult> {
  const pool = openPool(t, connections);
  try {
    // Open the connections first, so that the measured requests do not pay for TCP handshakes.
    await Promise.all(Array.from({ length: connections }, () => send(pool, t, false)));
    return await collect(async (record) => {
      const started = performance.now();
      const total = Math.round((rate * durationMs) / 1000);
      const inFlight: Promise<void>[] = [];
      let issued = 0;
      while (issued < total) {
        const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
        for (; issued < due; issued++) inFlight.push(record(() => send(pool, t, false)));
        await new Promise((r) => setTimeout(r, 1));
      }
      await Promise.all(inFlight);
    });
  } finally {
    await pool.close();
  }
}

/** `n` streaming requests started at once, each on its own connection, all read to the end. */
export async function streamBurst(t: Target, n: number): Promise<LoadResult> {
  const pool = openPool(t, n);
  try {
    return await collect((record) => Promise.all(Array.from({ length: n }, () => record(() => send(pool, t, true)))).then(() => undefined));
  } finally {
    await pool.close();
  }
}

async function collect(body: (record: (f: () => Promise<Sample>) => Promise<void>) => Promise<void>): Promise<LoadResult> {
  const out: LoadResult = { samples: [], errors: 0, seconds: 0 };
  const started = performance.now();
  await body(async (f) => {
    try {
      out.samples.push(await f());
    } catch (e) {
      out.errors++;
      out.firstError ??= e instanceof Error ? e.message : String(e);
    }
  });
  out.seconds = (performance.now() - started) / 1000;
  return out;
}
