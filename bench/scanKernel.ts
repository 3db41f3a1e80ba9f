/**
 * The cache index's Hamming scan on its own: ns per code of the `scan` kernel of one or more builds of
 * vectorKernels.wat, over the same codes, in alternating rounds, with a check that every build chose the same rows
 * at the same distances. The codes are a dense scope's: random flips of one code, about 5 % of them within reach of
 * the daemon's bounds for its default threshold, as for the performance suite's templated prompts (~7 %).
 *
 * Run: `node --import tsx bench/scanKernel.ts [--codes 10000] [FILE.wat …]` (default: this checkout's .wat). To
 * compare with another commit: `git show REV:daemon/src/cache/vectorKernels.wat > /tmp/before.wat`, then name
 * both files. Builds from before the packed scan (one store per row) take its older arguments.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import wabtInit from 'wabt';
import { percentile, table } from './stats.js';

interface ScanExports {
  memory: WebAssembly.Memory;
  scan(...args: number[]): number;
}

const args = process.argv.slice(2);
const codesFlag = args.indexOf('--codes');
const n = codesFlag >= 0 ? Number(args[codesFlag + 1]) : 10_000;
const files = args.filter((a, i) => a.endsWith('.wat') && (codesFlag < 0 || i !== codesFlag + 1));
if (files.length === 0) files.push(resolve(import.meta.dirname, '../daemon/src/cache/vectorKernels.wat'));

const wabt = await wabtInit();
async function load(file: string): Promise<ScanExports> {
  const module = wabt.parseWat(file, await readFile(file, 'utf8'), { simd: true, bulk_memory: true });
  try {
    module.validate();
    const { instance } = await WebAssembly.instantiate(new Uint8Array(module.toBinary({}).buffer));
    return instance.exports as unknown as ScanExports;
  } finally {
    module.destroy();
  }
}

// Layout: the query code at 64, the codes from 64 KB, then the scan's output (rows; distances after them for
// the older builds).
const Q_AT = 64;
const CODES_AT = 65_536;
const ROWS_AT = CODES_AT + n * 16;
const DISTS_AT = ROWS_AT + n * 4;
// The daemon's bounds for its default threshold (VectorIndex: 128 bits, cosine 0.98).
const BOUND = 24;
const HALF = 14;

let seed = 1;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
const query = Uint32Array.from({ length: 4 }, random);
const codes = new Uint32Array(n * 4);
for (let i = 0; i < codes.length; i++) {
  let word = query[i & 3]!;
  for (let f = 0; f < 10; f++) word ^= 1 << (random() >>> 27);
  codes[i] = word;
}

const builds = await Promise.all(files.map(load));
for (const k of builds) {
  const need = Math.ceil((DISTS_AT + n) / 65_536);
  const have = k.memory.buffer.byteLength / 65_536;
  if (have < need) k.memory.grow(need - have);
  new Uint32Array(k.memory.buffer, CODES_AT, codes.length).set(codes);
  new Uint32Array(k.memory.buffer, Q_AT, 4).set(query);
}

/** One scan; the rows and distances it chose, as "row:distance" pairs. */
function scan(k: ScanExports): () => number {
  return k.scan.length === 6 ? () => k.scan(CODES_AT, n, Q_AT, BOUND, HALF, ROWS_AT) : () => k.scan(CODES_AT, n, Q_AT, BOUND, HALF, ROWS_AT, DISTS_AT);
}
function chosen(k: ScanExports, within: number): string {
  const out = new Uint32Array(k.memory.buffer, ROWS_AT, within);
  if (k.scan.length === 6) return Array.from(out, (x) => `${x >>> 8}:${x & 255}`).join(',');
  const dists = new Uint8Array(k.memory.buffer, DISTS_AT, within);
  return Array.from(out, (row, i) => `${row}:${dists[i]}`).join(',');
}

const times: number[][] = builds.map(() => []);
const results: string[] = [];
const reps = Math.max(10, Math.round(20_000_000 / n));
for (let round = 0; round < 7; round++) {
  builds.forEach((k, b) => {
    const once = scan(k);
    let within = 0;
    const started = performance.now();
    for (let r = 0; r < reps; r++) within = once();
    times[b]!.push(((performance.now() - started) * 1e6) / reps / n);
    results[b] = `${within} ${chosen(k, within)}`;
  });
}
console.log(`${n.toLocaleString()} codes, ${results[0]!.split(' ')[0]} within reach; 7 rounds of ${reps} scans per build`);
console.log(
  table(
    ['build', 'ns per code (median)', 'min', 'max', 'same rows and distances as the first'],
    files.map((f, b) => [f, percentile(times[b]!, 0.5).toFixed(2), Math.min(...times[b]!).toFixed(2), Math.max(...times[b]!).toFixed(2), results[b] === results[0] ? 'yes' : 'NO']),
  ),
);
