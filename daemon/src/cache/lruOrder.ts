/**
 * Ids from least to most recently used: a Map kept in use order (a use moves an id to the end), read from the
 * front by a cursor that lives between reads.
 *
 * Why the cursor: V8 leaves a deleted Map entry's slot in place until the table is rehashed, so a queue that
 * deletes at the front and adds at the back gathers thousands of dead slots ahead of its oldest live id, and
 * a fresh `keys()` iterator walks all of them on every eviction (~7 µs per request on a full 10,000-entry
 * cache, where every miss evicts one). Everything the cursor has passed was taken by `takeOldest` and removed
 * by its caller, so the next live id it reaches is the oldest; ids used again meanwhile come round again at
 * the end, as they should. (A Map iterator follows the Map through deletions, insertions and rehashes.)
 */
export class LruOrder {
  private readonly ids = new Map<string, true>();
  private cursor: Iterator<string> | undefined;

  get size(): number {
    return this.ids.size;
  }

  /** Adds `id` as the most recently used, or moves it there. */
  use(id: string): void {
    this.ids.delete(id);
    this.ids.set(id, true);
  }

  delete(id: string): void {
    this.ids.delete(id);
  }

  /** The `n` least recently used ids, oldest first. The caller must delete every one of them. */
  takeOldest(n: number): string[] {
    const out: string[] = [];
    let fresh = false;
    while (out.length < n) {
      if (!this.cursor) [this.cursor, fresh] = [this.ids.keys(), true];
      const next = this.cursor.next();
      if (!next.done) {
        out.push(next.value);
        continue;
      }
      // A finished iterator stays finished, even when ids are added later: start a new one, once.
      this.cursor = undefined;
      if (fresh) break;
    }
    return out;
  }
}
