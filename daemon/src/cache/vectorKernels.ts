/**
 * The vector index's hot loops — the SimHash projection, the Hamming scan and the rescoring of its candidates —
 * run in WebAssembly (vectorKernels.wat): SIMD dot products and a native popcount, where JavaScript had scalar
 * dot products (one dependent add per dimension) and a twelve-operation popcount per word. An instance holds
 * the hyperplanes, a scratch area and a table of codes. Small indexes share one instance per dimension count
 * and lend it their codes for each scan (one copy, ~1 ns per row) and their candidates' vectors for rescoring
 * (~70 ns each); a large index owns an instance, which also holds its vectors: the codes are scanned and the
 * candidates rescored in place (at 100,000 rows the copy was ~30 µs of a ~300 µs lookup; rescoring 64
 * candidates took 10–20 µs in JavaScript, 1.4 µs here).
 */
import { VECTOR_KERNELS_WASM } from './vectorKernels.wasm.js';

export const BITS = 128;
const WORDS = BITS / 32;
const PAGE = 65_536;

interface Exports {
  memory: WebAssembly.Memory;
  project(planes: number, stride: number, v: number, out: number): void;
  scan(codes: number, n: number, q: number, bound: number, half: number, out: number): number;
  histogram(found: number, n: number, hist: number): void;
  collect(found: number, n: number, cutoff: number, ties: number): number;
  rescore(vectors: number, stride: number, rows: number, n: number, v: number, scores: number): void;
}

let compiled: WebAssembly.Module | undefined;

/** The closest rows of a scan and their exact scores: views of the kernels' memory, valid until their next call. */
export interface Nearest {
  rows: Uint32Array;
  scores: Float32Array;
}

export class SimHashKernels {
  private readonly k: Exports;
  /** Floats per plane and per vector: the dimensions rounded up to a multiple of 4 (one SIMD lane group). */
  readonly stride: number;
  /** Bytes per row of the vector table: 0 for kernels that only scan codes lent to them. */
  private readonly vectorBytes: number;
  // Byte offsets of the fixed areas; the table (codes, vectors, then a scan's rows) follows them.
  private readonly vAt: number;
  private readonly codeAt: number;
  private readonly histAt: number;
  private readonly scoresAt: number;
  /** Room for `maxOut` vectors lent for one rescoring, and their row numbers there (0, 1, 2, …). */
  private readonly lentAt: number;
  private readonly lentRowsAt: number;
  private readonly tableAt: number;
  private bytes!: Uint8Array;
  /** Rows the table has room for. */
  private rows = 0;

  /**
   * @param holdsVectors whether the table also keeps each row's vector (a large index's own kernels), so that
   *   `nearest` rescores the candidates here; kernels shared by small indexes only scan the codes lent to them.
   */
  constructor(
    readonly dims: number,
    planes: Float32Array,
    private readonly maxOut: number,
    holdsVectors = false,
  ) {
    compiled ??= new WebAssembly.Module(Buffer.from(VECTOR_KERNELS_WASM, 'base64'));
    this.k = new WebAssembly.Instance(compiled).exports as unknown as Exports;
    this.stride = Math.ceil(dims / 4) * 4;
    this.vectorBytes = holdsVectors ? this.stride * 4 : 0;
    this.vAt = BITS * this.stride * 4;
    this.codeAt = this.vAt + this.stride * 4;
    this.histAt = this.codeAt + 16;
    this.scoresAt = this.histAt + 528;
    this.lentRowsAt = this.scoresAt + maxOut * 4;
    this.lentAt = this.lentRowsAt + maxOut * 4;
    this.tableAt = this.lentAt + maxOut * this.stride * 4;
    this.ensure(this.tableAt);
    new Uint32Array(this.k.memory.buffer, this.lentRowsAt, maxOut).set(Array.from({ length: maxOut }, (_, i) => i));
    const padded = new Float32Array(this.k.memory.buffer, 0, BITS * this.stride);
    for (let b = 0; b < BITS; b++) padded.set(planes.subarray(b * dims, (b + 1) * dims), b * this.stride);
  }

  /** The 128-bit code of `v`: bit b is set when `v` lies on the positive side of hyperplane b. */
  project(v: Float32Array): Uint32Array {
    this.put(v);
    this.k.project(0, this.stride, this.vAt, this.codeAt);
    return new Uint32Array(this.bytes.buffer, this.codeAt, WORDS).slice();
  }

  /**
   * Rows of `codes` (the first `n`, 4 words each) within `bound` of `q` and within `halfBound` on the first
   * half: all of them when there are at most `maxOut`, else the `maxOut` closest (ties in row order).
   */
  closest(codes: Uint32Array, n: number, q: Uint32Array, bound: number, halfBound: number): number[] {
    this.table(n).set(codes.subarray(0, n * WORDS));
    const found = this.select(n, q, bound, halfBound);
    return Array.from(new Uint32Array(this.bytes.buffer, this.rowsAt(), found));
  }

  /**
   * `closest` over the first `n` rows of the table, in place, with each row's exact score against `v` (the dot
   * product of the unit vectors: their cosine). Needs kernels that hold the vectors.
   */
  nearest(n: number, q: Uint32Array, bound: number, halfBound: number, v: Float32Array): Nearest {
    if (!this.vectorBytes) throw new Error('these kernels do not hold the vectors');
    const found = this.select(n, q, bound, halfBound);
    const mem = this.bytes.buffer;
    if (found > 0) {
      this.put(v);
      this.k.rescore(this.vectorsAt(), this.stride, this.rowsAt(), found, this.vAt, this.scoresAt);
    }
    return { rows: new Uint32Array(mem, this.rowsAt(), found), scores: new Float32Array(mem, this.scoresAt, found) };
  }

  /**
   * The exact scores against `v` of the given rows of an index that keeps its vectors itself (`vectors`, rows of
   * `stride` floats, zero-padded): their vectors are lent to the kernels (copied, at most `maxOut`) and rescored
   * there. `rows` a number: the first that many rows, in one copy. A view, valid until the kernels' next call.
   */
  rescoreLent(vectors: Float32Array, rows: readonly number[] | number, v: Float32Array): Float32Array {
    const count = typeof rows === 'number' ? rows : rows.length;
    if (count > this.maxOut) throw new Error(`at most ${this.maxOut} rows can be lent, not ${count}`);
    const lent = new Float32Array(this.bytes.buffer, this.lentAt, count * this.stride);
    if (typeof rows === 'number') lent.set(vectors.subarray(0, count * this.stride));
    else for (let c = 0; c < count; c++) lent.set(vectors.subarray(rows[c]! * this.stride, (rows[c]! + 1) * this.stride), c * this.stride);
    this.put(v);
    this.k.rescore(this.lentAt, this.stride, this.lentRowsAt, count, this.vAt, this.scoresAt);
    return new Float32Array(this.bytes.buffer, this.scoresAt, count);
  }

  /**
   * The code table, room for `rows` codes (4 words each): a view of the instance's memory, valid until the next
   * call of `table` with more rows (a larger memory detaches the old views). A larger table keeps the codes and
   * vectors it held.
   */
  table(rows: number): Uint32Array {
    if (rows > this.rows) {
      const [oldRows, oldVectorsAt] = [this.rows, this.vectorsAt()];
      this.rows = rows;
      // Per row: 16 bytes of code, its vector, and a scan's entry (row number and distance, 4).
      this.ensure(this.tableAt + rows * (16 + this.vectorBytes + 4));
      if (this.vectorBytes) {
        // The vectors follow the codes, so they move up; the rest of their new place held a scan's scratch.
        const held = oldRows * this.vectorBytes;
        this.bytes.copyWithin(this.vectorsAt(), oldVectorsAt, oldVectorsAt + held);
        this.bytes.fill(0, this.vectorsAt() + held, this.vectorsAt() + rows * this.vectorBytes);
      }
    }
    return new Uint32Array(this.bytes.buffer, this.tableAt, rows * WORDS);
  }

  /** The vector table (rows of `stride` floats, zero-padded), valid as long as `table`'s view. */
  vectors(): Float32Array {
    return new Float32Array(this.bytes.buffer, this.vectorsAt(), (this.rows * this.vectorBytes) / 4);
  }

  private vectorsAt(): number {
    return this.tableAt + this.rows * 16;
  }

  private rowsAt(): number {
    return this.vectorsAt() + this.rows * this.vectorBytes;
  }

  /** Scans the first `n` codes of the table; leaves the chosen rows, in row order, at `rowsAt`; returns how many. */
  private select(n: number, q: Uint32Array, bound: number, halfBound: number): number {
    const rowsAt = this.rowsAt();
    new Uint32Array(this.bytes.buffer, this.codeAt, WORDS).set(q);
    const within = this.k.scan(this.tableAt, n, this.codeAt, bound, halfBound, rowsAt);
    // The scan's entries carry each row's distance: all of them become rows when few enough are within reach.
    if (within <= this.maxOut) return this.k.collect(rowsAt, within, BITS + 1, 0);
    // The distance at which the closest `maxOut` are reached: everything nearer, then ties up to the cap
    // (near-identical texts share codes; without the cap one lookup could rescore thousands of them).
    this.k.histogram(rowsAt, within, this.histAt);
    const hist = new Uint32Array(this.bytes.buffer, this.histAt, BITS + 1);
    let below = 0;
    let cutoff = 0;
    for (; cutoff <= BITS; cutoff++) {
      if (below + hist[cutoff]! >= this.maxOut) break;
      below += hist[cutoff]!;
    }
    return this.k.collect(rowsAt, within, cutoff, this.maxOut - below);
  }

  /** Writes `v` where the kernels read a vector (its padding stays zero). */
  private put(v: Float32Array): void {
    new Float32Array(this.bytes.buffer, this.vAt, this.dims).set(v);
  }

  /** Grows the memory to at least `bytes` (a grow detaches the old buffer, so views are made per call). */
  private ensure(bytes: number): void {
    const memory = this.k.memory;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    if (this.bytes?.buffer !== memory.buffer) this.bytes = new Uint8Array(memory.buffer);
  }
}
