/**
 * A read-only word → row lookup kept as one string and two typed arrays. The default embedder's 100,000 words
 * as a Map were 100,000 strings and a 300,000-slot table in the JS heap (≈8.7 MB), which every full garbage
 * collection marks again (≈5 ms of marking each time, on a daemon whose full collections are its latency
 * tail; `bench/vocabulary.ts`). Here the collector sees three objects, and a lookup costs about what
 * Map.get does.
 */

/** FNV-1a over UTF-16 code units. */
function hash(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Vocabulary {
  /** Row i is text[starts[i], starts[i + 1] - 1): the words joined by '\n'. */
  private readonly starts: Uint32Array;
  /** Open addressing (linear probing): row + 1, or 0 for an empty slot; at most half full. */
  private readonly slots: Int32Array;
  private readonly mask: number;

  /** `joined`: the words in row order, separated by '\n' (no word contains one). Duplicates keep the first row. */
  constructor(private readonly joined: string) {
    let count = joined.length === 0 ? 0 : 1;
    for (let i = joined.indexOf('\n'); i !== -1; i = joined.indexOf('\n', i + 1)) count++;
    this.starts = new Uint32Array(count + 1);
    for (let row = 1, i = joined.indexOf('\n'); i !== -1; i = joined.indexOf('\n', i + 1)) this.starts[row++] = i + 1;
    this.starts[count] = joined.length + 1;
    let capacity = 16;
    while (capacity < 2 * count) capacity *= 2;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity);
    for (let row = 0; row < count; row++) {
      const start = this.starts[row]!;
      const end = this.starts[row + 1]! - 1;
      for (let slot = hash(joined, start, end) & this.mask; ; slot = (slot + 1) & this.mask) {
        const taken = this.slots[slot]!;
        if (taken === 0) {
          this.slots[slot] = row + 1;
          break;
        }
        if (this.equals(taken - 1, joined, start, end)) break;
      }
    }
  }

  static of(words: readonly string[]): Vocabulary {
    if (words.some((w) => w.includes('\n'))) throw new Error('a vocabulary word contains a line break');
    return new Vocabulary(words.join('\n'));
  }

  get size(): number {
    return this.starts.length - 1;
  }

  /** The row of `word`, undefined when the vocabulary lacks it. */
  get(word: string): number | undefined {
    for (let slot = hash(word, 0, word.length) & this.mask; ; slot = (slot + 1) & this.mask) {
      const row = this.slots[slot]! - 1;
      if (row === -1) return undefined;
      const at = this.starts[row]!;
      if (this.starts[row + 1]! - 1 - at === word.length && this.joined.startsWith(word, at)) return row;
    }
  }

  /** The words joined by '\n', in row order (what the vector file stores). */
  text(): string {
    return this.joined;
  }

  /** Whether row `row` is s[start, end) (building: `s` is the joined text itself). */
  private equals(row: number, s: string, start: number, end: number): boolean {
    const at = this.starts[row]!;
    const length = this.starts[row + 1]! - 1 - at;
    if (length !== end - start) return false;
    for (let i = 0; i < length; i++) if (this.joined.charCodeAt(at + i) !== s.charCodeAt(start + i)) return false;
    return true;
  }
}
