/**
 * The vector index's WebAssembly kernels: the committed bytes are the .wat's, and each kernel agrees with a
 * plain JavaScript statement of what it computes (the code they replaced), on random and on adversarial data.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileKernels, kernelsSource } from '../../scripts/buildWasm.mjs';
import { BITS, SimHashKernels } from '../../daemon/src/cache/vectorKernels.js';

let seed = 11;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;

function popcount(x: number): number {
  let c = 0;
  for (let v = x >>> 0; v; v &= v - 1) c++;
  return c;
}

/** What `closest` must return: rows within both bounds; past `maxOut`, the closest, ties in row order. */
function closestReference(codes: Uint32Array, n: number, q: Uint32Array, bound: number, half: number, maxOut: number): number[] {
  const rows: { i: number; h: number }[] = [];
  for (let i = 0; i < n; i++) {
    const a = popcount(codes[i * 4]! ^ q[0]!) + popcount(codes[i * 4 + 1]! ^ q[1]!);
    const h = a + popcount(codes[i * 4 + 2]! ^ q[2]!) + popcount(codes[i * 4 + 3]! ^ q[3]!);
    if (a <= half && h <= bound) rows.push({ i, h });
  }
  if (rows.length <= maxOut) return rows.map((r) => r.i);
  const kept = [...rows].sort((x, y) => x.h - y.h || x.i - y.i).slice(0, maxOut);
  return kept.map((r) => r.i).sort((x, y) => x - y);
}

describe('vector index kernels (WebAssembly)', () => {
  it('the committed module is what vectorKernels.wat compiles to (run `node scripts/buildWasm.mjs` after editing it)', async () => {
    const committed = readFileSync(path.resolve(import.meta.dirname, '../../daemon/src/cache/vectorKernels.wasm.ts'), 'utf8');
    assert.equal(committed, kernelsSource(await compileKernels()));
  });

  for (const dims of [100, 3, 1536]) {
    it(`project: the sign of each of the 128 dot products (${dims} dimensions)`, () => {
      const planes = Float32Array.from({ length: dims * BITS }, rand);
      const k = new SimHashKernels(dims, planes, 64);
      let checked = 0;
      for (let t = 0; t < 50; t++) {
        const v = Float32Array.from({ length: dims }, rand);
        const code = k.project(v);
        for (let b = 0; b < BITS; b++) {
          let s = 0;
          for (let j = 0; j < dims; j++) s += planes[b * dims + j]! * v[j]!;
          // Float32 lanes and a double sum may disagree on the sign of a dot product within rounding of zero.
          if (Math.abs(s) < 1e-4) continue;
          assert.equal((code[b >> 5]! >>> (b & 31)) & 1, s > 0 ? 1 : 0, `bit ${b} of vector ${t}`);
          checked++;
        }
      }
      assert.ok(checked > 50 * BITS * 0.95);
    });
  }

  it('closest: the rows within both bounds, or the closest `maxOut` of them with ties in row order', () => {
    const k = new SimHashKernels(8, Float32Array.from({ length: 8 * BITS }, rand), 64);
    const randomCode = () => Uint32Array.from({ length: 4 }, () => Math.floor((rand() + 0.5) * 2 ** 32) >>> 0);
    // Codes near a query (a few bits flipped) among random ones: dense clusters and ties are the hard cases.
    const flip = (c: Uint32Array, bits: number) => {
      const out = c.slice();
      for (let f = 0; f < bits; f++) {
        const b = Math.floor((rand() + 0.5) * 128) & 127;
        out[b >> 5]! ^= 1 << (b & 31);
      }
      return out;
    };
    for (const n of [0, 1, 15, 16, 17, 500, 5000]) {
      for (const [bound, half] of [[23, 15], [40, 26], [128, 64], [0, 0]] as const) {
        const q = randomCode();
        const codes = new Uint32Array(n * 4);
        for (let i = 0; i < n; i++) codes.set(i % 3 === 0 ? randomCode() : flip(q, i % 30), i * 4);
        const got = k.closest(codes, n, q, bound, half);
        assert.deepEqual(got, closestReference(codes, n, q, bound, half, 64), `n=${n} bound=${bound} half=${half}`);
      }
    }
  });

  it('nearest (kernels that hold the vectors): the rows `closest` chooses, each with its exact dot product', () => {
    const dims = 10; // padded to 12 floats a row
    const k = new SimHashKernels(dims, Float32Array.from({ length: dims * BITS }, rand), 64, true);
    const n = 3000;
    const codes = k.table(n);
    const vectors = k.vectors();
    const all: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      codes.set(Uint32Array.from({ length: 4 }, () => (i % 5 === 0 ? 0 : Math.floor((rand() + 0.5) * 2 ** 32) >>> 0)), i * 4);
      all.push(Float32Array.from({ length: dims }, rand));
      vectors.set(all[i]!, i * k.stride);
    }
    const q = new Uint32Array(4);
    const v = Float32Array.from({ length: dims }, rand);
    const { rows, scores } = k.nearest(n, q, 30, 20, v);
    const want = closestReference(codes, n, q, 30, 20, 64);
    assert.equal(want.length, 64, 'more rows within reach than the cap: the histogram and collect ran');
    assert.deepEqual(Array.from(rows), want);
    want.forEach((row, c) => {
      const exact = all[row]!.reduce((s, x, j) => s + x * v[j]!, 0);
      assert.ok(Math.abs(scores[c]! - exact) < 1e-5, `row ${row}: ${scores[c]} vs ${exact}`);
    });
    assert.throws(() => new SimHashKernels(dims, new Float32Array(dims * BITS), 64).nearest(1, q, 30, 20, v), /do not hold the vectors/);
  });

  it('rescoreLent: the exact dot products of lent rows, chosen or the first ones, up to the cap', () => {
    const dims = 7; // padded to 8 floats a row
    const k = new SimHashKernels(dims, Float32Array.from({ length: dims * BITS }, rand), 64);
    const stride = k.stride;
    const n = 300;
    const vectors = new Float32Array(n * stride);
    for (let i = 0; i < n; i++) vectors.set(Float32Array.from({ length: dims }, rand), i * stride);
    const v = Float32Array.from({ length: dims }, rand);
    const exact = (row: number) => Array.from({ length: dims }, (_, j) => vectors[row * stride + j]! * v[j]!).reduce((a, b) => a + b, 0);
    const rows = Array.from({ length: 64 }, (_, c) => (c * 37) % n);
    const chosen = k.rescoreLent(vectors, rows, v);
    rows.forEach((row, c) => assert.ok(Math.abs(chosen[c]! - exact(row)) < 1e-5, `row ${row}`));
    const firsts = Array.from(k.rescoreLent(vectors, 5, v));
    firsts.forEach((score, row) => assert.ok(Math.abs(score - exact(row)) < 1e-5, `row ${row}`));
    assert.throws(() => k.rescoreLent(vectors, 65, v), /at most 64/);
  });

  it('closest after a larger scan: stale distances past the end are never returned', () => {
    const k = new SimHashKernels(4, Float32Array.from({ length: 4 * BITS }, rand), 64);
    const q = new Uint32Array(4);
    k.closest(new Uint32Array(1000 * 4), 1000, q, 23, 15); // 1,000 rows at distance 0
    const far = Uint32Array.from({ length: 5 * 4 }, () => 0xffffffff);
    assert.deepEqual(k.closest(far, 5, q, 23, 15), []);
    assert.deepEqual(k.closest(new Uint32Array(3 * 4), 3, q, 23, 15), [0, 1, 2]);
  });
});
