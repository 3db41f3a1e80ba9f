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

  constructor(
    private readonly capacity: number,
    private readonly consume: (batch: T[]) => Promise<void>,
    private readonly onError: (e: unknown) => void = () => {},
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
    if (!this.scheduled && !this.draining) {
      this.scheduled = true;
      // After the current turn: a burst of requests ends up in one write.
      setImmediate(() => {
        this.scheduled = false;
        void this.drain();
      });
    }
    return true;
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
        while (this.items.length > 0) {
          const batch = this.items;
          this.items = [];
          try {
            await this.consume(batch);
          } catch (e) {
            this.onError(e);
          }
        }
      } finally {
        this.draining = undefined;
      }
    })();
    this.draining = run;
    return run;
  }
}
