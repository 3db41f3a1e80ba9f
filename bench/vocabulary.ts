/**
 * The default embedder's vocabulary (100,000 words → rows) as a Map, as it was, against `Vocabulary` (one
 * string and two typed arrays): the JS heap it holds, the time of a full garbage collection while it is held
 * (what every mark-compact of a busy daemon marks again) and the time to embed a question. Each variant in a
 * process of its own, alternating, three times; medians.
 *
 * Run: `node --import tsx bench/vocabulary.ts`
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WinkEmbedder } from '../daemon/src/cache/embedders/wink.js';
import { table } from './stats.js';
import { wordVectorFile } from '../test/cache/helpers.js';

const QUESTIONS = ['How do I learn Python quickly?', 'What is the capital of France and why is it famous?', 'Tell the benchmark about the silver summer and the garden'];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Figures {
  heapMb: number;
  fullGcMs: number;
  embedUs: number;
}

/** One variant, in this process (started with --expose-gc). */
async function measure(variant: 'map' | 'vocabulary'): Promise<Figures> {
  const gc = (globalThis as unknown as { gc: () => void }).gc;
  gc();
  const before = process.memoryUsage().heapUsed;
  const embedder = new WinkEmbedder({ file: wordVectorFile });
  await embedder.ready();
  if (variant === 'map') {
    // The representation before: a Map of every word (the file's words, in row order).
    const wv = (embedder as unknown as { wv: { index: { get(w: string): number | undefined; text(): string } } }).wv;
    const map = new Map(wv.index.text().split('\n').map((w, i) => [w, i]));
    wv.index = { get: (w) => map.get(w), text: () => '' };
  }
  gc();
  const heapMb = (process.memoryUsage().heapUsed - before) / 1e6;
  const gcRuns = Array.from({ length: 9 }, () => {
    const t = performance.now();
    gc();
    return performance.now() - t;
  });
  const embedRuns = Array.from({ length: 9 }, () => {
    const t = performance.now();
    for (let i = 0; i < 3000; i++) embedder.embedSync(QUESTIONS[i % 3]!);
    return ((performance.now() - t) * 1000) / 3000;
  });
  return { heapMb, fullGcMs: median(gcRuns), embedUs: median(embedRuns) };
}

const variant = process.argv[2];
if (variant === 'map' || variant === 'vocabulary') {
  console.log(JSON.stringify(await measure(variant)));
} else {
  await new WinkEmbedder({ file: wordVectorFile }).ready(); // converted once, outside the measured processes
  const runs: Record<string, Figures[]> = { map: [], vocabulary: [] };
  for (let round = 0; round < 3; round++) {
    for (const v of round % 2 ? ['vocabulary', 'map'] : ['map', 'vocabulary']) {
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), v], { encoding: 'utf8' });
      runs[v]!.push(JSON.parse(out.trim().split('\n').at(-1)!) as Figures);
    }
  }
  const row = (name: string, xs: Figures[]) => [name, median(xs.map((x) => x.heapMb)).toFixed(1), median(xs.map((x) => x.fullGcMs)).toFixed(2), median(xs.map((x) => x.embedUs)).toFixed(2)];
  console.log('the default embedder loaded (100,000 words); each variant in its own process, medians of 3');
  console.log(table(['vocabulary', 'JS heap MB', 'full GC ms', 'embed a question, µs'], [row('Map (before)', runs.map!), row('Vocabulary', runs.vocabulary!)]));
}
