/**
 * Paces background work that shares the event loop with requests (the cache store's compaction and journal
 * appends, the embedded counter store's saves): the work runs in slices of at most `sliceMs`, each followed by
 * a timer turn, so that a request in flight waits at most one slice at any of its steps and the work takes at
 * most about half of a busy loop.
 *
 * Why: a compaction used to encode a 64 KB chunk (1–3 ms) after every write callback, i.e. between any two I/O
 * events. Every step of every request in flight paid for one chunk, and for the second or so a compaction of
 * 10,000 entries ran, the all-on P99 at 500 req/s went from ~5 to 30–50 ms (bench/gcUnderLoad.ts).
 */
export class Pacer {
  private sliceEnds: number;

  constructor(private readonly sliceMs = 0.5) {
    this.sliceEnds = performance.now() + sliceMs;
  }

  /** True once the current slice is used up: the caller then awaits `rest()` before going on. */
  get due(): boolean {
    return performance.now() >= this.sliceEnds;
  }

  /** Lets the event loop run everything that is ready (a timer turn, ≥ 1 ms), then starts a new slice. */
  async rest(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.sliceEnds = performance.now() + this.sliceMs;
  }
}
