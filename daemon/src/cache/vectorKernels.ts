/**
 * The vector index's two hot loops — the SimHash projection and the Hamming scan — run in WebAssembly
 * (vectorKernels.wat): SIMD dot products and a native popcount, where JavaScript had 128 scalar dot products and
 * a twelve-operation popcount per word. An instance holds the hyperplanes, a scratch area and a code table.
 * Small indexes share one instance per dimension count and lend it their codes for each scan (one copy, ~1 ns
 * per row); a large index owns an instance and keeps its codes in that table, where they are scanned in place
 * (at 100,000 rows the copy was ~30 µs of a ~300 µs lookup).
 */
import { VECTOR_KERNELS_WASM } from './vectorKernels.wasm.js';

export const BITS = 128;
const WORDS = BITS / 32;
const PAGE = 65_536;

interface Exports {
  memory: WebAssembly.Memory;
  project(planes: number, stride: number, v: number, out: number): void;
  scan(codes: number, n: number, q: number, bound: number, half: number, dist: number): number;
  histogram(dist: number, n: number, hist: number): void;
  collect(dist: number, n: number, cutoff: number, ties: number, out: number): number;
}

let compiled: WebAssembly.Module | undefined;

export class SimHashKernels {
  private readonly k: Exports;
  /** Floats per plane and per vector: the dimensions rounded up to a multiple of 4 (one SIMD lane group). */
  private readonly stride: number;
  // Byte offsets of the fixed areas; the codes and distances of a scan follow them.
  private readonly vAt: number;
  private readonly codeAt: number;
  private readonly histAt: number;
  private readonly outAt: number;
  private readonly scanAt: number;
  private bytes!: Uint8Array;
  /** Rows the code table has room for. */
  private rows = 0;

  constructor(
    readonly dims: number,
    planes: Float32Array,
    private readonly maxOut: number,
  ) {
    compiled ??= new WebAssembly.Module(Buffer.from(VECTOR_KERNELS_WASM, 'base64'));
    this.k = new WebAssembly.Instance(compiled).exports as unknown as Exports;
    this.stride = Math.ceil(dims / 4) * 4;
    this.vAt = BITS * this.stride * 4;
    this.codeAt = this.vAt + this.stride * 4;
    this.histAt = this.codeAt + 16;
    this.outAt = this.histAt + 528;
    this.scanAt = this.outAt + maxOut * 4;
    this.ensure(this.scanAt);
    const padded = new Float32Array(this.k.memory.buffer, 0, BITS * this.stride);
    for (let b = 0; b < BITS; b++) padded.set(planes.subarray(b * dims, (b + 1) * dims), b * this.stride);
  }

  /** The 128-bit code of `v`: bit b is set when `v` lies on the positive side of hyperplane b. */
  project(v: Float32Array): Uint32Array {
    new Float32Array(this.bytes.buffer, this.vAt, this.dims).set(v);
    this.k.project(0, this.stride, this.vAt, this.codeAt);
    return new Uint32Array(this.bytes.buffer.slice(this.codeAt, this.codeAt + 16));
  }

  /**
   * Rows of `codes` (the first `n`, 4 words each) within `bound` of `q` and within `halfBound` on the first
   * half: all of them when there are at most `maxOut`, else the `maxOut` closest (ties in row order).
   */
  closest(codes: Uint32Array, n: number, q: Uint32Array, bound: number, halfBound: number): number[] {
    this.table(n).set(codes.subarray(0, n * WORDS));
    return this.closestInTable(n, q, bound, halfBound);
  }

  /**
   * The code table, room for `rows` codes (4 words each) and their scan's distances: a view of the instance's
   * memory, valid until the next call of `table` with more rows (a larger memory detaches the old views).
   */
  table(rows: number): Uint32Array {
    if (rows > this.rows) {
      this.rows = rows;
      this.ensure(this.scanAt + rows * 17 + 16); // 16 bytes of code and 1 of distance per row; collect reads 16 at a time
    }
    return new Uint32Array(this.bytes.buffer, this.scanAt, rows * WORDS);
  }

  /** `closest` over the first `n` rows of the code table, in place. */
  closestInTable(n: number, q: Uint32Array, bound: number, halfBound: number): number[] {
    const distAt = this.scanAt + this.rows * 16;
    const mem = this.bytes.buffer;
    new Uint32Array(mem, this.codeAt, WORDS).set(q);
    const within = this.k.scan(this.scanAt, n, this.codeAt, bound, halfBound, distAt);
    if (within === 0) return [];
    let cutoff = bound + 1;
    let ties = 0;
    if (within > this.maxOut) {
      // The distance at which the closest `maxOut` are reached: everything nearer, then ties up to the cap
      // (near-identical texts share codes; without the cap one lookup could rescore thousands of them).
      this.k.histogram(distAt, n, this.histAt);
      const hist = new Uint32Array(mem, this.histAt, BITS + 1);
      let below = 0;
      for (cutoff = 0; cutoff <= BITS; cutoff++) {
        if (below + hist[cutoff]! >= this.maxOut) break;
        below += hist[cutoff]!;
      }
      ties = this.maxOut - below;
    }
    const found = this.k.collect(distAt, n, cutoff, ties, this.outAt);
    const rows = new Uint32Array(mem, this.outAt, found);
    const out = new Array<number>(found);
    for (let i = 0; i < found; i++) out[i] = rows[i]!;
    return out;
  }

  /** Grows the memory to at least `bytes` (a grow detaches the old buffer, so views are made per call). */
  private ensure(bytes: number): void {
    const memory = this.k.memory;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    if (this.bytes?.buffer !== memory.buffer) this.bytes = new Uint8Array(memory.buffer);
  }
}
