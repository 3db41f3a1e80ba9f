import type { GatewayContext, Served, Stage } from './context.js';

/**
 * Composes stages into one function. The order is the request's path through the gateway (auth → limits →
 * budget → input guards → cache → route and execute); each stage is a small module with one job.
 */
export function compose(stages: readonly Stage[], last: (ctx: GatewayContext) => Promise<Served>): (ctx: GatewayContext) => Promise<Served> {
  return (ctx) => {
    const run = (i: number): Promise<Served> => {
      const stage = stages[i];
      return stage ? stage(ctx, () => run(i + 1)) : last(ctx);
    };
    return run(0);
  };
}

/** What a stage watches on a served stream; see `observe`. */
export interface StreamObserver<T> {
  /** Each event, before the consumer gets it. A throw fails the stream (as if the source had thrown). */
  event?(e: T): void;
  /**
   * Exactly once, when the stream ends: finished (error undefined), failed (the error) or abandoned by its
   * consumer (undefined), even one that was never read. Observers end in the order they were added.
   */
  end?(error: unknown): void;
}

/**
 * Lets a stage watch a stream without wrapping it in another layer: observing an `ObservedStream` that nobody
 * has read yet adds to its observers, so the cache, the limits and the request log (each a stage) watch one
 * pass over the events. Each async-generator layer cost ~0.13 µs per event in hand-offs between promises
 * (bench/streamLayers.ts), paid on every chunk of every stream.
 */
export function observe<T>(events: AsyncIterable<T>, observer: StreamObserver<T>): AsyncIterable<T> {
  if (events instanceof ObservedStream && events.unread) {
    events.observers.push(observer);
    return events;
  }
  return new ObservedStream(events, [observer]);
}

class ObservedStream<T> implements AsyncIterableIterator<T> {
  private source?: AsyncIterator<T>;
  private ended = false;

  constructor(
    private readonly events: AsyncIterable<T>,
    readonly observers: StreamObserver<T>[],
  ) {}

  get unread(): boolean {
    return this.source === undefined && !this.ended;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    this.source ??= this.events[Symbol.asyncIterator]();
    return this.source.next().then(
      (r) => {
        // An event that arrives after the end (a read that was pending when the consumer stopped) is not seen.
        if (r.done) this.end(undefined);
        else if (!this.ended) this.see(r.value);
        return r;
      },
      (e: unknown) => {
        this.end(e);
        throw e;
      },
    );
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    if (!this.ended) {
      try {
        await this.source?.return?.();
      } finally {
        this.end(undefined);
      }
    }
    return { done: true, value: value as T };
  }

  /** An observer's throw fails the stream: the source is closed, every observer ends with that error. */
  private see(e: T): void {
    try {
      for (const o of this.observers) o.event?.(e);
    } catch (error) {
      void this.source?.return?.()?.catch(() => {});
      this.end(error);
      throw error;
    }
  }

  /** Ends every observer, even when one throws (the first throw is rethrown, as a `finally` would). */
  private end(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    let thrown: { error: unknown } | undefined;
    for (const o of this.observers) {
      try {
        o.end?.(error);
      } catch (e) {
        thrown ??= { error: e };
      }
    }
    if (thrown) throw thrown.error;
  }
}
