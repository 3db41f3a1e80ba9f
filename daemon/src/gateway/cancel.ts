/**
 * Cancellation as the pipeline needs it: a flag, a reason and listeners ("the client went away", "this attempt
 * is over"). Node 20's AbortController costs more than it looks: every one is promoted to the old generation
 * when it is made (~320 bytes, bench/spreadPromotion.ts). undici takes this shape as a request's signal; an API
 * that wants a real AbortSignal (the Anthropic SDK's fetch) gets one from `abortSignalOf`. A real
 * AbortSignal has this shape too, so callers may pass one.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A CancelSignal and its abort(): listeners run once, on the first abort. */
export class Cancellation implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] = [];

  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners.indexOf(listener);
    if (i !== -1) this.listeners.splice(i, 1);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}

/** A real AbortSignal that follows `cancel`, for APIs that need one (made only where they are called). */
export function abortSignalOf(cancel: CancelSignal): AbortSignal {
  if (cancel instanceof AbortSignal) return cancel;
  const controller = new AbortController();
  if (cancel.aborted) controller.abort(cancel.reason);
  else cancel.addEventListener('abort', () => controller.abort(cancel.reason), { once: true });
  return controller.signal;
}
