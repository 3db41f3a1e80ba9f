/**
 * A bounded queue drained in batches by one async consumer, off the request's path: `push` never waits and
 * never grows memory past the capacity — when full, the item is dropped and counted instead.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private draining: Promise<void> | undefined;
  private scheduled = false;
  dropped = 0;
  accepted = 0;

  /**
   * `delayMs`: how long a batch collects before it is consumed (0: after the current event-loop turn). A file
   * write costs about as much CPU for one record as for fifty (`node bench/fileWrites.mjs`: ~47 µs per line
   * written alone, ~1.7 µs per line fifty at a time), so at a few hundred requests a second a drain after
   * every turn paid one write per request.
   */
  constructor(
    private readonly capacity: number,
    private readonly consume: (batch: T[]) => Promise<void>,
    private readonly onError: (e: unknown) => void = () => {},
    private readonly delayMs = 0,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** False when the item was dropped because the queue is full. */
  push(item: T): boolean {
    if (this.items.length >= this.capacity) {
      this.dropped++;
      return false;
    }
    this.items.push(item);
    this.accepted++;
    if (!this.scheduled && !this.draining) this.schedule();
    return true;
  }

  private schedule(): void {
    this.scheduled = true;
    const drain = () => {
      this.scheduled = false;
      void this.drain();
    };
    // After the current turn at the least: a burst of requests ends up in one write.
    if (this.delayMs > 0) setTimeout(drain, this.delayMs).unref();
    else setImmediate(drain);
  }

  /** Resolves once everything pushed so far has been consumed. */
  async flush(): Promise<void> {
    while (this.items.length > 0 || this.draining) await this.drain();
  }

  private drain(): Promise<void> {
    if (this.draining) return this.draining;
    // Nothing to write: no drain is started. (An async body that finished synchronously would clear
    // `draining` in its finally before the assignment below, leaving a settled promise there for good, and
    // flush() would spin on it forever.)
    if (this.items.length === 0) return Promise.resolve();
    const run = (async () => {
      try {
        // With a delay, what arrives during a write waits for the next batch (flush() drains until empty).
        do {
          const batch = this.items;
          this.items = [];
          try {
            await this.consume(batch);
          } catch (e) {
            this.onError(e);
          }
        } while (this.delayMs === 0 && this.items.length > 0);
      } finally {
        this.draining = undefined;
        if (this.items.length > 0 && !this.scheduled) this.schedule();
      }
    })();
    this.draining = run;
    return run;
  }
}
