/**
 * The stream watchdog. The SDKs' own timeout covers only the wait for response headers; a stream that stalls
 * after its first chunk would hang forever. Every `next()` here races a timer: time to first token for the
 * first event, idle time between chunks after it, and the attempt's total time throughout. On expiry the
 * upstream call is aborted and an UpstreamTimeoutError says which limit was hit.
 */
import { UpstreamTimeoutError } from '../errors.js';

export interface WatchLimits {
  firstTokenMs?: number;
  idleMs?: number;
  totalMs?: number;
}

export class WatchedStream<T> {
  private first = true;
  private readonly startedAt = performance.now();

  constructor(
    private readonly iterator: AsyncIterator<T>,
    private readonly limits: WatchLimits,
    private readonly label: string,
    /** Aborts the upstream call. */
    private readonly abort: (reason: Error) => void,
  ) {}

  async next(): Promise<IteratorResult<T>> {
    const now = performance.now();
    const elapsed = now - this.startedAt;
    const candidates: [number, string][] = [];
    const { firstTokenMs, idleMs, totalMs } = this.limits;
    if (this.first && firstTokenMs) candidates.push([firstTokenMs - elapsed, `no first token within ${firstTokenMs} ms`]);
    if (!this.first && idleMs) candidates.push([idleMs, `no chunk for ${idleMs} ms`]);
    if (totalMs) candidates.push([totalMs - elapsed, `not finished within ${totalMs} ms`]);
    const next = this.iterator.next();
    if (candidates.length === 0) return this.took(await next);
    const [wait, why] = candidates.reduce((a, b) => (b[0] < a[0] ? b : a));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new UpstreamTimeoutError(`${this.label}: ${why}.`);
        this.abort(err);
        // The provider's pending next() settles after the abort; nobody waits for it any more.
        next.catch(() => {});
        reject(err);
      }, Math.max(0, wait));
    });
    try {
      return this.took(await Promise.race([next, expired]));
    } finally {
      clearTimeout(timer);
    }
  }

  private took(r: IteratorResult<T>): IteratorResult<T> {
    this.first = false;
    return r;
  }

  /** Lets the provider release what it holds when the consumer stops early. */
  async return(): Promise<void> {
    await this.iterator.return?.();
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }
}
