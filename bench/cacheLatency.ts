/**
 * Cache speed: semantic lookup latency at 100,000 entries with the default (word-vector) embedder, embedding
 * included; what a miss adds to a request; memory per entry; a miss in a dense scope (10,000 prompts of one
 * template, the performance suite's: every lookup finds many codes within reach and rescores 64 candidates,
 * which the guard then refuses); and, for contrast, vectra's own brute-force query and a single-insert write at
 * 10,000 entries (why an in-memory index sits in front of it).
 *
 * Run: `node --import tsx bench/cacheLatency.ts [--entries N] [--lookups N]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { CacheConfigSchema } from '../daemon/src/cache/configSchema.js';
import { WinkEmbedder } from '../daemon/src/cache/embedders/wink.js';
import { ResponseCache } from '../daemon/src/cache/responseCache.js';
import type { CacheStore } from '../daemon/src/cache/stores/store.js';
import type { GatewayContext } from '../daemon/src/gateway/context.js';
import { createLogger } from '../daemon/src/log.js';
import { requestBody } from './perf/load.js';
import { ms, percentile, table } from './stats.js';

export const name = 'cache-latency';

function arg(argv: string[], flag: string, fallback: number): number {
  const i = argv.indexOf(flag);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

function ctx(question: string, n = 0): GatewayContext {
  return {
    id: String(n),
    door: 'openai',
    request: { model: 'openai/gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: [{ type: 'text', text: question }] }] },
    stream: false,
    signal: new AbortController().signal,
    identity: { keyId: 'master' },
    headers: {},
    responseHeaders: {},
    startedAt: 0,
    record: { attempts: [], decisions: [] },
  };
}

/** A store that keeps nothing: the figures are for the in-memory path every lookup takes. */
const nullStore: CacheStore = { kind: 'embedded', load: async () => [], put() {}, delete() {}, flush: async () => {}, close: async () => {} };

export async function run(argv: string[] = []): Promise<void> {
  const entries = arg(argv, '--entries', 100_000);
  const lookups = arg(argv, '--lookups', 2000);
  const log = createLogger({ level: 'error' });
  const file = process.env.SWITCHBOARD_WORD_VECTORS ?? path.join(os.tmpdir(), 'switchboard-bench', 'wink-sg-100d-100k.bin');
  const embedder = new WinkEmbedder({ file });
  await embedder.ready();

  // Real questions: QQP's, repeated with a suffix to reach the entry count.
  const qqp = readFileSync(path.resolve(import.meta.dirname, '../../shared/data/qqp_pairs.tsv'), 'utf8')
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f) => f.length >= 6);
  const questions = qqp.flatMap((f) => [f[3]!, f[4]!]);
  // Questions from another domain (grade-school maths): real words, no entry near them — the full miss path.
  const unrelated = readFileSync(path.resolve(import.meta.dirname, '../../shared/data/gsm8k_test.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { question: string }).question.split(/(?<=[.?])\s/).at(-1)!);
  const config = CacheConfigSchema.parse({ enabled: true, maxEntries: entries * 2 });
  const cache = new ResponseCache({ config, embedder, store: nullStore, log });
  await cache.loaded;
  const response = { content: [{ type: 'text' as const, text: 'A cached answer of a typical length, a couple of sentences long, for the memory figure.' }], finishReason: 'stop' as const, usage: { inputTokens: 20, outputTokens: 20 } };
  const heapBefore = (global.gc?.(), process.memoryUsage().heapUsed);
  const fillStart = performance.now();
  for (let i = 0; i < entries; i++) {
    const q = `${questions[i % questions.length]!}${i >= questions.length ? ` (variant ${Math.floor(i / questions.length)})` : ''}`;
    const r = await cache.lookup(ctx(q, i));
    if (r.kind === 'miss') cache.put(r.pending, { provider: 'openai', model: 'gpt-4o-mini' }, response);
  }
  const fillMs = performance.now() - fillStart;
  const heapAfter = (global.gc?.(), process.memoryUsage().heapUsed);

  const semantic: number[] = [];
  const missOnly: number[] = [];
  const exact: number[] = [];
  let hits = 0;
  for (let i = 0; i < lookups; i++) {
    const q = questions[(i * 7919) % questions.length]!;
    // A paraphrase-like query: same words, another form (the exact key differs, the semantic path runs).
    let t = performance.now();
    const r = await cache.lookup(ctx(`${q.replace(/\?$/, '')} ?`, i));
    semantic.push(performance.now() - t);
    if (r.kind === 'semantic-hit') hits++;
    t = performance.now();
    await cache.lookup(ctx(q, i));
    exact.push(performance.now() - t);
    // A question unlike any entry: the full miss path (embed, scan, nothing above the threshold).
    t = performance.now();
    await cache.lookup(ctx(unrelated[i % unrelated.length]!, i));
    missOnly.push(performance.now() - t);
  }
  console.log(`${entries.toLocaleString()} entries in one scope (filled in ${(fillMs / 1000).toFixed(1)} s), ${lookups} lookups each:`);
  console.log(
    table(
      ['lookup', 'P50 ms', 'P99 ms'],
      [
        ['exact hit', ms(percentile(exact, 0.5)), ms(percentile(exact, 0.99))],
        ['semantic (embed + index + guard)', ms(percentile(semantic, 0.5)), ms(percentile(semantic, 0.99))],
        ['miss (what a miss adds)', ms(percentile(missOnly, 0.5)), ms(percentile(missOnly, 0.99))],
      ],
    ),
  );
  console.log(`semantic hits: ${hits}/${lookups}; memory per entry ≈ ${((heapAfter - heapBefore) / entries).toFixed(0)} bytes (heap${global.gc ? ', after gc' : ', run with --expose-gc for a steadier figure'})`);
  await cache.close();
  await denseScope(embedder, response, log);

  // vectra alone at 10k entries: one insert (a whole-file rewrite) and a brute-force top-5 query.
  const { LocalIndex } = await import('vectra/lib/LocalIndex.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-vectra-'));
  try {
    const index = new LocalIndex(path.join(dir, 'index'));
    await index.createIndex({ version: 1, deleteIfExists: true });
    await index.beginUpdate();
    for (let i = 0; i < 10_000; i++) await index.insertItem({ id: String(i), vector: Array.from(embedder.embedSync(questions[i % questions.length]!) ?? new Float32Array(100)), metadata: { entry: JSON.stringify(response) } });
    await index.endUpdate();
    let t = performance.now();
    await index.insertItem({ id: 'one-more', vector: Array.from(embedder.embedSync('one more question')!), metadata: { entry: '{}' } });
    const insertMs = performance.now() - t;
    const q = Array.from(embedder.embedSync('how do I learn python')!);
    const qs: number[] = [];
    for (let i = 0; i < 50; i++) {
      t = performance.now();
      await index.queryItems(q, '', 5);
      qs.push(performance.now() - t);
    }
    console.log(`vectra alone at 10,000 × 100-d: single insert ${insertMs.toFixed(0)} ms (whole-file rewrite); top-5 query P50 ${ms(percentile(qs, 0.5))} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The miss path of a full, dense scope: the cache at its default 10,000 entries, all prompts of the performance
 * suite's template ("Tell the benchmark about the apple river and the stone"), then lookups of new prompts of
 * that template, each stored after its miss (evicting the oldest), as the daemon does under the suite's load.
 */
async function denseScope(embedder: WinkEmbedder, response: Parameters<ResponseCache['put']>[2], log: ReturnType<typeof createLogger>): Promise<void> {
  const cache = new ResponseCache({ config: CacheConfigSchema.parse({ enabled: true }), embedder, store: nullStore, log });
  await cache.loaded;
  const prompt = (n: number) => (JSON.parse(requestBody('m', n, false)) as { messages: { content: string }[] }).messages[0]!.content;
  const target = { provider: 'openai', model: 'gpt-4o-mini' };
  let n = 0;
  const missAndStore = async (): Promise<string> => {
    const r = await cache.lookup(ctx(prompt(n), n));
    n++;
    if (r.kind === 'miss') cache.put(r.pending, target, response);
    return r.kind;
  };
  for (let i = 0; i < 12_000; i++) await missAndStore();
  const times: number[] = [];
  let misses = 0;
  for (let i = 0; i < 5000; i++) {
    const t = performance.now();
    if ((await missAndStore()) === 'miss') misses++;
    times.push(performance.now() - t);
  }
  console.log(`dense scope, ${cache.size.toLocaleString()} entries of one template: lookup + store of a new prompt P50 ${ms(percentile(times, 0.5))} ms, P99 ${ms(percentile(times, 0.99))} ms (${misses} of 5,000 missed, the others were semantic hits)`);
  await cache.close();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
