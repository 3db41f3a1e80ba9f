/**
 * Counts OpenAI BPE tokens (o200k_base, cl100k_base) with the rank table outside the JS heap.
 *
 * gpt-tokenizer holds a vocabulary as ~200,000 strings in an array and a Map (and remembers up to 100,000 merged
 * pieces in another Map): a heap object per token that every full garbage collection marks again, for as long as
 * the daemon runs. That is a third of a busy daemon's old-generation objects, and it lengthens every mark-compact
 * pause (`bench/gcUnderLoad.ts`). Here a table is three typed arrays: the tokens' UTF-8 bytes end to end, where each
 * token's bytes start (its index is its rank), and an open-addressing hash from bytes to rank. The build writes
 * the tables beside the daemon bundle (`bpe/<encoding>.bin`, from gpt-tokenizer's ranks), so the daemon never loads
 * the package's 2.4 MB of rank source; run from source, or from a bundle without its tables, it converts them from
 * the package in node_modules instead (the bundle leaves the rank lists external: scripts/build.mjs).
 *
 * The count is gpt-tokenizer's: the same split pattern (imported from it), the whole piece when it is a token,
 * otherwise the lowest-ranked adjacent pair of its bytes merged until none is a token (tiktoken's algorithm).
 * `test/limits/bpeCounter.test.ts` compares the two on prose, code, every script and hostile text.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type EncodingName = 'o200k_base' | 'cl100k_base';
export const ENCODINGS: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

const MAGIC = 'SBBPE1\n\0';
const HEADER_BYTES = 16; // magic, token count, bytes of tokens
const ABSENT = -1;
const NO_PAIR = 0x7fffffff;
/** Heap keys are rank × POSITIONS + the part's first byte: exact in a double for ranks below 2^28. */
const POSITIONS = 2 ** 24;
const MAX_PIECE_BYTES = POSITIONS;
/** Pieces up to this many bytes are merged by scanning (faster when short), longer ones with a heap. */
const SHORT_PIECE = 32;

/** A BPE vocabulary: token bytes → rank. */
export class BpeRanks {
  private readonly mask: number;
  private readonly slots: Int32Array;

  private constructor(
    /** The tokens' bytes, rank after rank. */
    private readonly bytes: Uint8Array,
    /** Token `r` is `bytes[starts[r], starts[r + 1])`; an unused rank is empty. */
    private readonly starts: Uint32Array,
  ) {
    const count = starts.length - 1;
    let capacity = 1024;
    while (capacity < count * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity).fill(ABSENT);
    for (let r = 0; r < count; r++) {
      const from = starts[r]!;
      const to = starts[r + 1]!;
      if (from === to || this.rank(bytes, from, to) !== ABSENT) continue; // unused, or a duplicate: the lower rank stays
      let slot = hashBytes(bytes, from, to) & this.mask;
      while (this.slots[slot] !== ABSENT) slot = (slot + 1) & this.mask;
      this.slots[slot] = r;
    }
  }

  /** From gpt-tokenizer's rank list: index = rank, a string (its UTF-8 bytes) or the bytes themselves. */
  static of(tokens: ReadonlyArray<string | readonly number[] | undefined>): BpeRanks {
    const encoder = new TextEncoder();
    const encoded = tokens.map((t) => (t === undefined ? new Uint8Array(0) : typeof t === 'string' ? encoder.encode(t) : Uint8Array.from(t)));
    const starts = new Uint32Array(encoded.length + 1);
    for (let r = 0; r < encoded.length; r++) starts[r + 1] = starts[r]! + encoded[r]!.length;
    const bytes = new Uint8Array(starts[encoded.length]!);
    encoded.forEach((b, r) => bytes.set(b, starts[r]!));
    return new BpeRanks(bytes, starts);
  }

  /** Reads what `serialize` wrote; throws on anything else. */
  static parse(file: Uint8Array): BpeRanks {
    const fail = (why: string) => new Error(`not a BPE table file: ${why}`);
    if (file.length < HEADER_BYTES || new TextDecoder().decode(file.subarray(0, 8)) !== MAGIC) throw fail('bad header');
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    const count = view.getUint32(8, true);
    const byteLength = view.getUint32(12, true);
    const startsEnd = HEADER_BYTES + (count + 1) * 4;
    if (file.length !== startsEnd + byteLength) throw fail(`${file.length} bytes, ${startsEnd + byteLength} expected`);
    const starts = new Uint32Array(count + 1);
    for (let r = 0; r <= count; r++) starts[r] = view.getUint32(HEADER_BYTES + r * 4, true);
    if (starts[0] !== 0 || starts[count] !== byteLength) throw fail('token offsets do not span the bytes');
    for (let r = 0; r < count; r++) if (starts[r]! > starts[r + 1]!) throw fail(`token ${r} ends before it starts`);
    return new BpeRanks(file.slice(startsEnd), starts);
  }

  serialize(): Uint8Array {
    const count = this.starts.length - 1;
    const out = new Uint8Array(HEADER_BYTES + this.starts.length * 4 + this.bytes.length);
    const view = new DataView(out.buffer);
    out.set(new TextEncoder().encode(MAGIC));
    view.setUint32(8, count, true);
    view.setUint32(12, this.bytes.length, true);
    for (let r = 0; r <= count; r++) view.setUint32(HEADER_BYTES + r * 4, this.starts[r]!, true);
    out.set(this.bytes, HEADER_BYTES + this.starts.length * 4);
    return out;
  }

  /** The rank of `piece[from, to)`, or -1 when those bytes are no token. */
  rank(piece: Uint8Array, from: number, to: number): number {
    const length = to - from;
    for (let slot = hashBytes(piece, from, to) & this.mask; ; slot = (slot + 1) & this.mask) {
      const r = this.slots[slot]!;
      if (r === ABSENT) return ABSENT;
      const start = this.starts[r]!;
      if (this.starts[r + 1]! - start !== length) continue;
      let i = 0;
      while (i < length && this.bytes[start + i] === piece[from + i]) i++;
      if (i === length) return r;
    }
  }
}

/** FNV-1a. */
function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/**
 * Counts the tokens of texts: splits them with the encoding's pattern, then merges each piece's bytes. Merging
 * keeps the parts in a linked list and the adjacent pairs in a min-heap keyed by (rank, position), so a long
 * piece (a pasted run of letters or CJK characters is one piece) takes O(n log n), not the O(n²) of scanning
 * every pair for the lowest after each merge. Same order of merges: lowest rank first, leftmost among equals.
 */
export class BpeCounter {
  private readonly split: RegExp;
  private readonly encoder = new TextEncoder();
  private piece = new Uint8Array(0);
  /** Short pieces: where each part starts, in order. */
  private starts = new Int32Array(0);
  /** Long pieces, per part (indexed by the byte it starts at): the next part's start, the previous part's. */
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  /** Per part: the rank of this part merged with the next. */
  private pairRanks = new Int32Array(0);
  /** Min-heap of rank × 2^24 + start: one entry per pair, stale ones skipped when popped. */
  private heap = new Float64Array(0);

  constructor(
    private readonly ranks: BpeRanks,
    split: RegExp,
  ) {
    this.split = new RegExp(split.source, split.flags.includes('g') ? split.flags : `${split.flags}g`);
    this.grow(1024);
  }

  count(text: string): number {
    const split = this.split;
    split.lastIndex = 0;
    let tokens = 0;
    for (let m = split.exec(text); m !== null; m = split.exec(text)) {
      const piece = m[0];
      if (piece.length === 0) {
        split.lastIndex++;
        continue;
      }
      const length = this.encode(piece);
      tokens += this.ranks.rank(this.piece, 0, length) !== ABSENT ? 1 : this.merge(length);
    }
    return tokens;
  }

  /** The piece's UTF-8 bytes into `this.piece` (a lone surrogate as U+FFFD, as TextEncoder does); their number. */
  private encode(piece: string): number {
    if (this.piece.length < piece.length * 3) this.grow(piece.length * 3);
    const bytes = this.piece;
    for (let i = 0; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      if (c >= 0x80) return this.encoder.encodeInto(piece, bytes).written;
      bytes[i] = c;
    }
    return piece.length;
  }

  private grow(bytes: number): void {
    if (bytes >= MAX_PIECE_BYTES) throw new Error(`a piece of ${bytes} bytes is past what the counter merges (${MAX_PIECE_BYTES})`);
    this.piece = new Uint8Array(bytes);
    this.starts = new Int32Array(bytes + 1);
    this.next = new Int32Array(bytes + 1);
    this.prev = new Int32Array(bytes + 1);
    this.pairRanks = new Int32Array(bytes + 1);
    this.heap = new Float64Array(3 * bytes + 1);
  }

  /** How many tokens `this.piece[0, length)` merges into. */
  private merge(length: number): number {
    return length <= SHORT_PIECE ? this.mergeShort(length) : this.mergeLong(length);
  }

  /** Scanning the pairs for the lowest after each merge: O(n²), and the fastest for the usual few bytes. */
  private mergeShort(length: number): number {
    const { starts, pairRanks } = this;
    let parts = length;
    for (let i = 0; i <= length; i++) starts[i] = i;
    for (let i = 0; i < parts; i++) pairRanks[i] = i + 1 < parts ? this.pairRank(i, i + 2) : NO_PAIR;
    for (;;) {
      let lowest = NO_PAIR;
      let at = -1;
      for (let i = 0; i < parts - 1; i++) {
        if (pairRanks[i]! < lowest) {
          lowest = pairRanks[i]!;
          at = i;
        }
      }
      if (at === -1) return parts;
      // Part `at` takes in part `at + 1`.
      starts.copyWithin(at + 1, at + 2, parts + 1);
      pairRanks.copyWithin(at + 1, at + 2, parts);
      parts--;
      pairRanks[at] = at + 1 < parts ? this.pairRank(starts[at]!, starts[at + 2]!) : NO_PAIR;
      if (at > 0) pairRanks[at - 1] = this.pairRank(starts[at - 1]!, starts[at + 1]!);
    }
  }

  /** The parts as a linked list, the pairs in a min-heap: O(n log n), for long pieces. */
  private mergeLong(length: number): number {
    const { next, prev, pairRanks, heap } = this;
    for (let i = 0; i < length; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
    }
    next[length] = length; // the end: a part's end is next[part]
    let size = 0;
    const push = (key: number) => {
      let at = size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (heap[parent]! <= key) break;
        heap[at] = heap[parent]!;
        at = parent;
      }
      heap[at] = key;
    };
    const pop = (): number => {
      const top = heap[0]!;
      const last = heap[--size]!;
      let at = 0;
      for (;;) {
        let child = 2 * at + 1;
        if (child >= size) break;
        if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
        if (heap[child]! >= last) break;
        heap[at] = heap[child]!;
        at = child;
      }
      heap[at] = last;
      return top;
    };
    const rankPair = (part: number) => {
      const end = next[part]!;
      pairRanks[part] = end === length ? NO_PAIR : this.pairRank(part, next[end]!);
      if (pairRanks[part] !== NO_PAIR) push(pairRanks[part]! * POSITIONS + part);
    };
    for (let i = 0; i < length; i++) rankPair(i);
    let parts = length;
    while (size > 0) {
      const key = pop();
      const part = key % POSITIONS;
      // Stale: the part was merged into its left neighbour, or its pair changed since (a pair's bytes only grow,
      // and bytes have one rank, so an equal rank is the same pair).
      if (pairRanks[part] !== (key - part) / POSITIONS) continue;
      const absorbed = next[part]!;
      next[part] = next[absorbed]!;
      if (next[part]! < length) prev[next[part]!] = part;
      pairRanks[absorbed] = NO_PAIR;
      parts--;
      rankPair(part);
      if (prev[part]! >= 0) rankPair(prev[part]!);
    }
    return parts;
  }

  /** The rank of `this.piece[from, to)`, or NO_PAIR when those bytes are no token. */
  private pairRank(from: number, to: number): number {
    const r = this.ranks.rank(this.piece, from, to);
    return r === ABSENT ? NO_PAIR : r;
  }
}

/** Where the build puts the tables: beside the daemon bundle, which holds this code in cli.js or in one of its chunks/. */
export function shippedTableFile(encoding: EncodingName, dir = bundleDir()): string {
  return path.join(dir, 'bpe', `${encoding}.bin`);
}

function bundleDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(here) === 'chunks' ? path.dirname(here) : here;
}

/** The encoding's table from gpt-tokenizer's rank list (what the build runs; ~0.5 s and the package's memory). */
export async function convertRanks(encoding: EncodingName): Promise<BpeRanks> {
  const list = encoding === 'o200k_base' ? await import('gpt-tokenizer/bpeRanks/o200k_base') : await import('gpt-tokenizer/bpeRanks/cl100k_base');
  return BpeRanks.of(list.default as ReadonlyArray<string | number[]>);
}

/** Writes every encoding's table into `dir`/bpe (the build, beside the bundle). */
export async function writeTables(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'bpe'), { recursive: true });
  for (const encoding of ENCODINGS) {
    const file = shippedTableFile(encoding, dir);
    await writeFile(`${file}.tmp`, (await convertRanks(encoding)).serialize());
    await rename(`${file}.tmp`, file);
  }
}

/** A counter for the encoding: from the table shipped with the bundle, or converted from the package without one. */
export async function loadCounter(encoding: EncodingName): Promise<BpeCounter> {
  const { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } = await import('gpt-tokenizer/encodingParams/constants');
  const shipped = await readFile(shippedTableFile(encoding)).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  const ranks = shipped ? BpeRanks.parse(shipped) : await convertRanks(encoding);
  return new BpeCounter(ranks, encoding === 'o200k_base' ? O200K_TOKEN_SPLIT_REGEX : CL100K_TOKEN_SPLIT_REGEX);
}
