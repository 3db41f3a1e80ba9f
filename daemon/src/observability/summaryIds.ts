/**
 * Request ids of the summary window, by slot, without a string or a Map entry per request: the daemon's own
 * ids (32 lowercase hex digits) are packed into 16 bytes, others (a client's x-request-id) kept as strings,
 * and an open-addressing table (linear probing, backward-shift deletion) finds an id's slot. At 200,000
 * requests that is ~5 MB instead of ~15 MB of strings and Map entries.
 */
const HEX_ID = /^[0-9a-f]{32}$/;

export class SlotIds {
  private words: Uint32Array;
  private readonly others = new Map<number, string>();
  /** slot + 1 per table position; 0 is empty. */
  private table: Int32Array;
  private mask: number;

  constructor(slots: number) {
    this.words = new Uint32Array(slots * 4);
    const size = tableSize(slots);
    this.table = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Stores `id` for `slot` (which must be free) and indexes it. */
  set(slot: number, id: string): void {
    const w = slot * 4;
    if (HEX_ID.test(id)) {
      for (let i = 0; i < 4; i++) this.words[w + i] = parseInt(id.slice(i * 8, i * 8 + 8), 16);
    } else {
      this.others.set(slot, id);
    }
    let p = hashOf(id, this.words, w, !this.others.has(slot)) & this.mask;
    while (this.table[p] !== 0) p = (p + 1) & this.mask;
    this.table[p] = slot + 1;
  }

  /**
   * The slot holding `id`, or -1. An id sent twice (a client's own x-request-id) finds the latest: probing
   * keeps insertion order within a run, so the last match is the newest.
   */
  find(id: string): number {
    const key = HEX_ID.test(id) ? packed(id) : undefined;
    let found = -1;
    let p = (key ? wordsHash(key, 0) : stringHash(id)) & this.mask;
    for (let s = this.table[p] as number; s !== 0; p = (p + 1) & this.mask, s = this.table[p] as number) {
      const slot = s - 1;
      if (key ? !this.others.has(slot) && this.sameWords(slot, key) : this.others.get(slot) === id) found = slot;
    }
    return found;
  }

  /** The id stored for `slot`. */
  get(slot: number): string {
    const other = this.others.get(slot);
    if (other !== undefined) return other;
    let out = '';
    for (let i = 0; i < 4; i++) out += (this.words[slot * 4 + i] as number).toString(16).padStart(8, '0');
    return out;
  }

  /**
   * The same ids in a table for a ring of `slots` slots: ring positions head … tail − 1 move from slot
   * q % `oldSlots` to q % `slots`, without turning a packed id back into a string.
   */
  resized(slots: number, oldSlots: number, head: number, tail: number): SlotIds {
    const next = new SlotIds(slots);
    for (let q = head; q < tail; q++) next.adopt(q % slots, this, q % oldSlots);
    return next;
  }

  private adopt(slot: number, from: SlotIds, at: number): void {
    const other = from.others.get(at);
    if (other !== undefined) this.others.set(slot, other);
    else for (let i = 0; i < 4; i++) this.words[slot * 4 + i] = from.words[at * 4 + i] as number;
    let p = this.homeOf(slot);
    while (this.table[p] !== 0) p = (p + 1) & this.mask;
    this.table[p] = slot + 1;
  }

  /** Forgets `slot`'s id, keeping every other id reachable from its hash position. */
  delete(slot: number): void {
    let p = this.homeOf(slot);
    while (this.table[p] !== slot + 1) p = (p + 1) & this.mask;
    this.others.delete(slot);
    // Backward shift: move later entries of the run into the hole when their home position allows it.
    let hole = p;
    for (let q = (p + 1) & this.mask; this.table[q] !== 0; q = (q + 1) & this.mask) {
      const home = this.homeOf((this.table[q] as number) - 1);
      const between = hole <= q ? home > hole && home <= q : home > hole || home <= q;
      if (between) continue;
      this.table[hole] = this.table[q] as number;
      hole = q;
    }
    this.table[hole] = 0;
  }

  private homeOf(slot: number): number {
    const other = this.others.get(slot);
    return (other !== undefined ? stringHash(other) : wordsHash(this.words, slot * 4)) & this.mask;
  }

  private sameWords(slot: number, key: Uint32Array): boolean {
    const w = slot * 4;
    return this.words[w] === key[0] && this.words[w + 1] === key[1] && this.words[w + 2] === key[2] && this.words[w + 3] === key[3];
  }
}

function tableSize(slots: number): number {
  let size = 16;
  while (size < slots * 2) size *= 2;
  return size;
}

function packed(id: string): Uint32Array {
  const key = new Uint32Array(4);
  for (let i = 0; i < 4; i++) key[i] = parseInt(id.slice(i * 8, i * 8 + 8), 16);
  return key;
}

function hashOf(id: string, words: Uint32Array, w: number, hex: boolean): number {
  return hex ? wordsHash(words, w) : stringHash(id);
}

/**
 * A packed id's hash, from all four words: the daemon's own ids are random, but a client's x-request-id may be
 * 32 hex digits that share a prefix (a zero-padded counter), and hashing the first word alone put every such id
 * in one probe run (a bench with such ids took 9.9 s for one ring doubling).
 */
function wordsHash(words: Uint32Array, w: number): number {
  let h = 0;
  for (let i = 0; i < 4; i++) h = Math.imul(h ^ (words[w + i] as number), 0x9e3779b1);
  // MurmurHash3's finalizer: every input bit reaches the low bits the table's mask keeps.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** FNV-1a over the UTF-16 code units. */
function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}
