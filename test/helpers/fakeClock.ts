import type { Clock } from '../../daemon/src/clock.js';

/** A clock the test moves by hand: `advance(ms)` fires the sleeps that are due. */
export class FakeClock implements Clock {
  private t = 1_800_000_000_000;
  private sleepers: { at: number; resolve: () => void }[] = [];

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      this.sleepers.push({ at: this.t + ms, resolve });
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }

  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.at <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.at > this.t);
    for (const s of due) s.resolve();
  }

  pendingSleeps(): number {
    return this.sleepers.length;
  }
}
