/**
 * The embedded cache store's write cost: a flush of 100 new entries into a store that already holds N (10,000
 * by default) — wall time, bytes handed to write(2), and the longest event-loop block while it runs — then
 * (when the store has one) a compaction, and a restart (load). Not part of `npm run bench`: it measures one
 * store, in-process, with synthetic entries shaped like the daemon's (100-d vectors, a short answer).
 *
 * Run: `node --import tsx bench/cacheStore.ts [--entries 10000] [--batch 100] [--rounds 10]`
 *      `node --import tsx bench/cacheStore.ts --soak 200000 [--entries 10000] [--per-flush 870]`
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { CacheEntry } from '../daemon/src/cache/entry.js';
import { EmbeddedStore } from '../daemon/src/cache/stores/embeddedStore.js';
import { createLogger } from '../daemon/src/log.js';
import { mean, ms, percentile, table } from './stats.js';

function arg(argv: string[], flag: string, fallback: number): number {
  const i = argv.indexOf(flag);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

let seq = 0;
function entry(now: number): CacheEntry {
  const n = seq++;
  const v = new Float32Array(100);
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += (v[i] = Math.random() - 0.5) ** 2;
  for (let i = 0; i < v.length; i++) v[i]! /= Math.sqrt(norm);
  return {
    id: `k${n.toString(16).padStart(12, '0')}${'0'.repeat(52)}`,
    route: 'openai/gpt-4o-mini',
    scope: 'scope-hash-0123456789abcdef',
    prompt: `What is the answer to question number ${n}, asked in a realistic length?`,
    embedder: 'wink-sg-100d',
    vector: Array.from(v),
    target: { provider: 'openai', model: 'gpt-4o-mini' },
    response: {
      content: [{ type: 'text', text: `echo: ${'an answer of a typical chat-completion length. '.repeat(6)}${n}` }],
      finishReason: 'stop',
      usage: { inputTokens: 20, outputTokens: 60 },
    },
    createdAt: now,
    expiresAt: now + 3_600_000,
    staleUntil: now + 7_200_000,
  };
}

/** Bytes this process has handed to write(2) so far (Linux). */
function written(): number {
  const m = /wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (f.isFile()) total += statSync(path.join(f.parentPath, f.name)).size;
  }
  return total;
}

function open(folder: string, log: ReturnType<typeof createLogger>, live: CacheEntry[]): EmbeddedStore {
  // Flushes only when the benchmark asks; the live entries are what the response cache would hand over.
  const store = new EmbeddedStore({ folder, flushMs: 3_600_000, log });
  (store as { useLiveEntries?: (f: () => Iterable<CacheEntry>) => void }).useLiveEntries?.(() => live);
  return store;
}

/** Runs `op` and reports its wall time, bytes written and the longest event-loop stall while it ran. */
async function measure(op: () => Promise<unknown>): Promise<{ ms: number; bytes: number; blockMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  // The histogram records nothing until its timer has run once.
  await new Promise((r) => setTimeout(r, 5));
  const w0 = written();
  const t0 = performance.now();
  await op();
  const took = performance.now() - t0;
  // One more turn so that a stall at the very end is recorded too.
  await new Promise((r) => setTimeout(r, 5));
  h.disable();
  return { ms: took, bytes: written() - w0, blockMs: h.max / 1e6 };
}

/** For contrast: the same snapshot written by vectra itself — its endUpdate is one JSON.stringify of the index. */
async function vectraWrite(folder: string, entries: CacheEntry[]): Promise<string[]> {
  const { LocalIndex } = await import('vectra/lib/LocalIndex.js');
  const index = new LocalIndex<{ entry: string }>(folder);
  await index.createIndex({ version: 1, deleteIfExists: true });
  await index.beginUpdate();
  for (const e of entries) {
    const { vector, ...rest } = e;
    await index.upsertItem({ id: e.id, vector: vector ?? [], metadata: { entry: JSON.stringify(rest) } });
  }
  const w = await measure(() => index.endUpdate());
  return [`vectra's endUpdate of the same ${entries.length.toLocaleString()}`, ms(w.ms), ms(w.blockMs), (w.bytes / 1e6).toFixed(2)];
}

/**
 * `--soak N`: N puts into a cache bounded at `--entries` (each put past the bound evicts the oldest: a delete),
 * flushed every `--per-flush` puts (the daemon flushes once a second: ≈ its request rate), as the daemon's soak
 * drives the store — the store's time per put (appends and compactions) and the process's RSS at 20 % and at
 * the end.
 */
async function soak(argv: string[]): Promise<void> {
  const n = arg(argv, '--soak', 200_000);
  const bound = arg(argv, '--entries', 10_000);
  const perFlush = arg(argv, '--per-flush', 870);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-cachestore-'));
  const folder = path.join(dir, 'cache', 'index');
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
  const live = new Map<string, CacheEntry>();
  const store = open(folder, log, [] as CacheEntry[]);
  (store as { useLiveEntries?: (f: () => Iterable<CacheEntry>) => void }).useLiveEntries?.(() => live.values());
  await store.load();
  const now = Date.now();
  const rss = () => process.memoryUsage().rss / 1e6;
  let storeMs = 0;
  let storeCpuMs = 0;
  let warm = NaN;
  let longest = 0;
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  try {
    for (let i = 1; i <= n; i++) {
      const e = entry(now);
      live.set(e.id, e);
      store.put(e);
      if (live.size > bound) {
        const oldest = live.keys().next().value!;
        live.delete(oldest);
        store.delete([oldest]);
      }
      if (i % perFlush === 0 || i === n) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        await store.flush();
        const took = performance.now() - t0;
        const c = process.cpuUsage(c0);
        storeCpuMs += (c.user + c.system) / 1000;
        storeMs += took;
        longest = Math.max(longest, took);
        // A turn of the event loop, as between the daemon's flushes.
        await new Promise((r) => setImmediate(r));
      }
      if (i === Math.round(n * 0.2)) warm = rss();
    }
    h.disable();
    const compactions = lines.filter((l) => l.includes('cache index compacted')).length;
    console.log(
      table(
        ['soak (store only)', 'value'],
        [
          ['puts', n.toLocaleString()],
          ['entries kept', bound.toLocaleString()],
          ['puts per flush', String(perFlush)],
          ['compactions', String(compactions)],
          ['store wall time per put (appends + compactions), µs', ((storeMs / n) * 1000).toFixed(1)],
          ['store CPU per put (all threads, while flushing), µs', ((storeCpuMs / n) * 1000).toFixed(1)],
          ['longest flush (wall, compaction included), ms', longest.toFixed(0)],
          ['longest event-loop block, ms', (h.max / 1e6).toFixed(1)],
          [`RSS MB after ${Math.round(n * 0.2).toLocaleString()}`, warm.toFixed(0)],
          ['RSS MB at end', rss().toFixed(0)],
          ['growth % after warm-up', ((rss() / warm - 1) * 100).toFixed(1)],
        ],
      ),
    );
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(argv: string[]): Promise<void> {
  if (argv.includes('--soak')) return soak(argv);
  const entries = arg(argv, '--entries', 10_000);
  const batch = arg(argv, '--batch', 100);
  const rounds = arg(argv, '--rounds', 10);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-cachestore-'));
  const folder = path.join(dir, 'cache', 'index');
  const log = createLogger({ level: 'error' });
  const now = Date.now();
  const live: CacheEntry[] = [];
  try {
    let store = open(folder, log, live);
    await store.load();
    for (let i = 0; i < entries; i++) {
      const e = entry(now);
      live.push(e);
      store.put(e);
    }
    const fill = await measure(() => store.flush());
    const flushes: Array<Awaited<ReturnType<typeof measure>>> = [];
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < batch; i++) {
        const e = entry(now);
        live.push(e);
        store.put(e);
      }
      flushes.push(await measure(() => store.flush()));
    }
    const rows = [
      [`first flush of ${entries.toLocaleString()} entries`, ms(fill.ms), ms(fill.blockMs), (fill.bytes / 1e6).toFixed(2)],
      [
        `flush of ${batch} new at ${entries.toLocaleString()} (P50 of ${rounds})`,
        ms(percentile(flushes.map((f) => f.ms), 0.5)),
        ms(percentile(flushes.map((f) => f.blockMs), 0.5)),
        (mean(flushes.map((f) => f.bytes)) / 1e6).toFixed(3),
      ],
      [`  worst of ${rounds}`, ms(Math.max(...flushes.map((f) => f.ms))), ms(Math.max(...flushes.map((f) => f.blockMs))), (Math.max(...flushes.map((f) => f.bytes)) / 1e6).toFixed(3)],
    ];
    const compactable = store as { compact?: () => Promise<void> };
    if (typeof compactable.compact === 'function') {
      const c = await measure(() => compactable.compact!());
      rows.push([`compaction of ${live.length.toLocaleString()} live entries`, ms(c.ms), ms(c.blockMs), (c.bytes / 1e6).toFixed(2)]);
    }
    const onDisk = folderBytes(path.dirname(folder));
    await store.close();
    store = open(folder, log, live);
    let loaded = 0;
    const l = await measure(async () => (loaded = (await store.load()).length));
    rows.push([`restart: load ${loaded.toLocaleString()} entries`, ms(l.ms), ms(l.blockMs), '—']);
    await store.close();
    rows.push(await vectraWrite(path.join(dir, 'vectra'), live));
    console.log(table(['operation', 'wall ms', 'longest event-loop block ms', 'MB written'], rows));
    console.log(`on disk: ${(onDisk / 1e6).toFixed(1)} MB in ${path.dirname(folder)}; RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

run(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
