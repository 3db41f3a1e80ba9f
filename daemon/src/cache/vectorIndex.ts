/**
 * An in-memory nearest-neighbour index for unit vectors. Brute-force cosine over 100k × 100-d float32 takes
 * ~10 ms in JavaScript (measured here), twice the lookup budget; so every vector also gets a 128-bit SimHash
 * (signs of random projections, whose Hamming distance estimates the angle), the scan compares codes, and only
 * the closest `rerank` codes are scored by exact cosine. The cache only ever wants the best match above a high
 * threshold, which a Hamming prefilter keeps almost always. The projection, the scan and the rescoring run in
 * WebAssembly (vectorKernels.ts).
 */
import { BITS, SimHashKernels } from './vectorKernels.js';

const WORDS = BITS / 32;
/**
 * Past this many rows an index gets its own kernels and keeps its codes and vectors in their memory (scanned
 * and rescored in place); below it, lending the codes and the candidates' vectors to the shared kernels costs a
 * few microseconds, and a cache may hold thousands of small indexes (one per system prompt and history), each
 * of which would otherwise hold ~64 KB of planes.
 */
const OWN_KERNELS_ROWS = 1024;

export interface Neighbour {
  id: string;
  score: number;
}

export class VectorIndex {
  private ids: string[] = [];
  /**
   * The rows' vectors, `stride` floats each (zero-padded): a typed array of the index's own, or the vector table
   * of `own` once large.
   */
  private vectors: Float32Array;
  /** The rows' SimHash codes: a typed array of the index's own, or the code table of `own` once large. */
  private codes: Uint32Array;
  private readonly slot = new Map<string, number>();
  private readonly kernels: SimHashKernels;
  private readonly stride: number;
  private own?: SimHashKernels;
  private lastHashed?: { vector: Float32Array; code: Uint32Array };

  constructor(
    readonly dims: number,
    private readonly rerank = 64,
  ) {
    this.kernels = kernelsFor(dims, rerank);
    this.stride = this.kernels.stride;
    this.vectors = new Float32Array(this.stride * 64);
    this.codes = new Uint32Array(WORDS * 64);
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.slot.has(id);
  }

  add(id: string, vector: Float32Array): void {
    if (vector.length !== this.dims) throw new Error(`vector has ${vector.length} dimensions, the index ${this.dims}`);
    if (this.slot.has(id)) this.remove(id);
    const i = this.ids.length;
    if ((i + 1) * this.stride > this.vectors.length) this.grow((2 * this.vectors.length) / this.stride);
    this.vectors.set(vector, i * this.stride);
    this.codes.set(this.simhash(vector), i * WORDS);
    this.ids.push(id);
    this.slot.set(id, i);
  }

  /** Room for `rows` rows: past OWN_KERNELS_ROWS in kernels of the index's own (their table keeps what it held). */
  private grow(rows: number): void {
    if (!this.own && rows > OWN_KERNELS_ROWS) {
      this.own = kernelsFor(this.dims, this.rerank, false);
      const [codes, vectors] = [this.codes, this.vectors];
      this.codes = this.own.table(rows);
      this.vectors = this.own.vectors();
      this.codes.set(codes);
      this.vectors.set(vectors);
    } else if (this.own) {
      this.codes = this.own.table(rows);
      this.vectors = this.own.vectors();
    } else {
      const [codes, vectors] = [new Uint32Array(rows * WORDS), new Float32Array(rows * this.stride)];
      codes.set(this.codes);
      vectors.set(this.vectors);
      [this.codes, this.vectors] = [codes, vectors];
    }
  }

  /** A copy of the vector stored for `id`. */
  vectorOf(id: string): Float32Array | undefined {
    const i = this.slot.get(id);
    return i === undefined ? undefined : this.vectors.slice(i * this.stride, i * this.stride + this.dims);
  }

  /** Removes by moving the last row into the hole (order does not matter to a nearest-neighbour scan). */
  remove(id: string): boolean {
    const i = this.slot.get(id);
    if (i === undefined) return false;
    const last = this.ids.length - 1;
    if (i !== last) {
      const lastId = this.ids[last]!;
      this.ids[i] = lastId;
      this.slot.set(lastId, i);
      this.vectors.copyWithin(i * this.stride, last * this.stride, (last + 1) * this.stride);
      this.codes.copyWithin(i * WORDS, last * WORDS, (last + 1) * WORDS);
    }
    this.ids.pop();
    this.slot.delete(id);
    return true;
  }

  /**
   * The best `k` neighbours by cosine, best first, among the `rerank` closest SimHash codes. With `minScore`,
   * only neighbours at or above it: codes too far apart to reach it are skipped before any cosine is computed
   * (see `hammingBound`), which is what makes a miss cheap.
   */
  query(vector: Float32Array, k = 1, minScore = -1): Neighbour[] {
    const n = this.ids.length;
    if (n === 0) return [];
    // The candidates' rows (none: the first rows, all of them) and their exact scores.
    let rows: ArrayLike<number> | undefined;
    let scores: Float32Array;
    if (this.own) {
      ({ rows, scores } = this.own.nearest(n, this.simhash(vector), hammingBound(minScore), hammingBound(minScore, BITS / 2), vector));
    } else if (n > this.rerank) {
      const closest = this.kernels.closest(this.codes, n, this.simhash(vector), hammingBound(minScore), hammingBound(minScore, BITS / 2));
      scores = this.kernels.rescoreLent(this.vectors, closest, vector);
      rows = closest;
    } else {
      // Few enough to rescore them all.
      scores = this.kernels.rescoreLent(this.vectors, n, vector);
    }
    const scored: Neighbour[] = [];
    for (let c = 0; c < scores.length; c++) {
      if (scores[c]! >= minScore) scored.push({ id: this.ids[rows ? rows[c]! : c]!, score: scores[c]! });
    }
    scored.sort((a, b) => b.score - a.score);
    return scored.slice(0, k);
  }

  /**
   * SimHash of a vector, remembering the last one: a missed lookup is followed by the insert of the same
   * vector, and the 128 × dims projection is the costliest step after the scan.
   */
  private simhash(v: Float32Array): Uint32Array {
    const last = this.lastHashed;
    if (last && sameVector(last.vector, v)) return last.code;
    const code = this.kernels.project(v);
    this.lastHashed = { vector: v.slice(), code };
    return code;
  }
}

/**
 * The Hamming distance (of 128 bits) beyond which two vectors are below `minScore` cosine except with
 * probability under 1e-6: each SimHash bit differs with probability angle/π, independently, so the distance
 * of a pair at the threshold is Binomial(128, p); the bound is its mean plus five standard deviations.
 * Threshold 0.98 → 23 bits, 0.9 → 40, 0.8 → 51; no threshold → every row. `bits`: the same for the first
 * half of the code alone (64 bits: 0.98 → 15), checked first.
 */
export function hammingBound(minScore: number, bits = BITS): number {
  if (minScore <= -1) return bits;
  const p = Math.acos(Math.min(1, minScore)) / Math.PI;
  return Math.min(bits, Math.ceil(bits * p + 5 * Math.sqrt(bits * p * (1 - p))) + 1);
}

function sameVector(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Gaussian hyperplanes from a fixed seed: the same on every replica and every run. */
function randomPlanes(dims: number, bits: number): Float32Array {
  let seed = 0x9e3779b9;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(dims * bits);
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  return out;
}

/**
 * Kernels for an index of this shape: shared by every small index of that dimension count and candidate cap,
 * or (`shared` false) a new instance for one large index. All have the same planes.
 */
const kernels = new Map<string, SimHashKernels>();
const planes = new Map<number, Float32Array>();
function kernelsFor(dims: number, rerank: number, shared = true): SimHashKernels {
  let p = planes.get(dims);
  if (!p) planes.set(dims, (p = randomPlanes(dims, BITS)));
  if (!shared) return new SimHashKernels(dims, p, rerank, true);
  const key = `${dims}/${rerank}`;
  let k = kernels.get(key);
  if (!k) kernels.set(key, (k = new SimHashKernels(dims, p, rerank)));
  return k;
}
