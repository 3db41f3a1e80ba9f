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

/**
 * Wraps an event stream so `onEnd` runs exactly once when it ends — finished, failed or abandoned — with the
 * error when there was one. Stages use it to settle, store or record after the last event.
 */
export async function* onStreamEnd<T>(events: AsyncIterable<T>, onEnd: (error: unknown) => void): AsyncGenerator<T> {
  let error: unknown;
  try {
    yield* events;
  } catch (e) {
    error = e;
    throw e;
  } finally {
    onEnd(error);
  }
}
