import type { LlamaContext, LlamaContextSequence } from 'node-llama-cpp';

interface Waiter {
  resolve: (sequence: LlamaContextSequence) => void;
  reject: (error: unknown) => void;
}

/**
 * Hands out the context's sequences one request at a time and queues the rest in FIFO order, instead of
 * letting `getSequence()` throw "No sequences left". Each sequence is fresh (disposed after use), so a
 * request never sees another request's KV state.
 */
export class SequencePool {
  private inUse = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly context: LlamaContext,
    private readonly size: number,
  ) {}

  /** Requests waiting for a free sequence. */
  get queued(): number {
    return this.waiters.length;
  }

  get busy(): number {
    return this.inUse;
  }

  async acquire(signal: AbortSignal): Promise<LlamaContextSequence> {
    signal.throwIfAborted();
    if (this.inUse < this.size) {
      this.inUse++;
      try {
        return this.context.getSequence();
      } catch (e) {
        this.inUse--;
        throw e;
      }
    }
    return new Promise<LlamaContextSequence>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        resolve: (sequence) => {
          signal.removeEventListener('abort', onAbort);
          resolve(sequence);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.waiters.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Disposes the sequence (awaited: the slot is only free once llama.cpp has released it) and wakes the next waiter. */
  async release(sequence: LlamaContextSequence): Promise<void> {
    try {
      if (!sequence.disposed) await sequence.dispose();
    } catch {
      // A sequence of a context that is being disposed may throw here; the slot is free either way.
    }
    const next = this.waiters.shift();
    if (!next) {
      this.inUse--;
      return;
    }
    // The slot passes straight to the next waiter: inUse stays the same.
    try {
      next.resolve(this.context.getSequence());
    } catch (e) {
      this.inUse--;
      next.reject(e);
    }
  }

  /** Fails every waiter, for close(). */
  rejectAll(error: unknown): void {
    for (const w of this.waiters.splice(0)) w.reject(error);
  }
}
