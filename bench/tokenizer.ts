/**
 * The OpenAI token counter: gpt-tokenizer (its Map of ~200,000 token strings, and its cache of up to 100,000
 * merged pieces) against the daemon's counter on the table the build ships (limits/bpeCounter.ts), each in a
 * fresh process: time to load, JS heap and RSS after loading and after counting 200,000 messages that hold a
 * made-up word each (what fills the merge cache), and the time to count a 1,000-character message (median of 5).
 * o200k_base. Needs `npm run build` (the shipped table).
 *
 * Run: `node --import tsx bench/tokenizer.ts`
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { table } from './stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const variant = process.argv[2];

type Count = (text: string) => number;

async function load(which: string): Promise<Count> {
  if (which === 'gpt-tokenizer') {
    const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
    return (t) => countTokens(t);
  }
  const { BpeCounter, BpeRanks, shippedTableFile } = await import('../daemon/src/limits/bpeCounter.js');
  const { O200K_TOKEN_SPLIT_REGEX } = await import('gpt-tokenizer/encodingParams/constants');
  const counter = new BpeCounter(BpeRanks.parse(readFileSync(shippedTableFile('o200k_base', path.join(root, 'dist/daemon')))), O200K_TOKEN_SPLIT_REGEX);
  return (t) => counter.count(t);
}

/** In the child: one variant's figures, as JSON on stdout. */
async function measure(which: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const mb = (n: number) => n / 1e6;
  const memory = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return { heap: mb(m.heapUsed), rss: mb(m.rss) };
  };
  const before = memory();
  const started = performance.now();
  const count = await load(which);
  count('hello');
  const loadMs = performance.now() - started;
  const loaded = memory();
  let seed = 3;
  const r = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  for (let i = 0; i < 200_000; i++) count(`the ${Array.from({ length: 6 + Math.floor(r() * 8) }, () => String.fromCharCode(97 + Math.floor(r() * 26))).join('')} of ${i}`);
  const used = memory();
  const message = readFileSync(path.join(root, 'README.md'), 'utf8').slice(0, 1000);
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) {
    const t = performance.now();
    for (let i = 0; i < 2000; i++) count(message + i);
    runs.push(((performance.now() - t) / 2000) * 1000);
  }
  runs.sort((a, b) => a - b);
  console.log(JSON.stringify({ loadMs, heapLoaded: loaded.heap - before.heap, heapUsed: used.heap - before.heap, rssLoaded: loaded.rss - before.rss, rssUsed: used.rss - before.rss, messageUs: runs[2] }));
}

if (variant) {
  await measure(variant);
} else {
  const rows: string[][] = [];
  for (const which of ['gpt-tokenizer', 'daemon (shipped table)']) {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), which], { cwd: root, encoding: 'utf8' });
    const f = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
    rows.push([which, f.loadMs!.toFixed(0), f.heapLoaded!.toFixed(1), f.heapUsed!.toFixed(1), f.rssLoaded!.toFixed(1), f.rssUsed!.toFixed(1), f.messageUs!.toFixed(1)]);
  }
  console.log(table(['o200k_base counter', 'load ms', 'JS heap MB, loaded', 'after 200k made-up words', 'RSS MB, loaded', 'after 200k', 'µs per 1,000-char message'], rows));
}
