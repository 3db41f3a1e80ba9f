/**
 * Bridges push-style callbacks (node-llama-cpp's onTextChunk and friends) to a pull-style async iterable.
 * Unbounded on purpose: a local model produces at most a few thousand small chunks per request, and the
 * generation must never block on a slow consumer while it holds a context sequence.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.notify();
  }

  /** Ends the stream after the items already pushed. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** Ends the stream with an error, thrown to the consumer after the items already pushed. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.failure = { error };
    this.ended = true;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift() as T;
        continue;
      }
      if (this.ended) {
        if (this.failure) throw this.failure.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /**
   * Wakes the consumer only after node-llama-cpp has handed the next token's evaluation to its worker thread,
   * so that the gateway's per-token work (stages, SSE frame, socket write) overlaps the model instead of
   * delaying it. node-llama-cpp calls onTextChunk and then queues that dispatch with setImmediate; a wake-up
   * queued now would run first, so it takes two hops: the second setImmediate runs on the next loop turn,
   * after the dispatch. Tokens that arrive before the consumer runs are taken in one go.
   */
  private notify(): void {
    const wake = this.wake;
    if (!wake) return;
    this.wake = undefined;
    setImmediate(() => setImmediate(wake));
  }
}
