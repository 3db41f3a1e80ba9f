/**
 * Circuit breakers per target. Closed: requests flow and outcomes are counted over a sliding window of
 * buckets. When the failure share over the window exceeds the threshold (with at least minRequests), the
 * circuit opens and requests skip the target without waiting for it. After the cooldown a limited number of
 * probe requests go through (half-open); a probe's success closes the circuit, a failure opens it again.
 */
import type { Clock } from '../clock.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  windowMs: number;
  minRequests: number;
  errorRate: number;
  cooldownMs: number;
  halfOpenProbes: number;
}

export interface CircuitSnapshot {
  target: string;
  state: CircuitState;
  requests: number;
  failures: number;
  /** When an open circuit lets probes through again (epoch ms). */
  retryAt?: number;
}

const BUCKETS = 10;
/** Circuits kept before idle ones are forgotten (see `forgetIdle`). */
const KEEP_CIRCUITS = 256;

class Circuit {
  state: CircuitState = 'closed';
  openedAt = 0;
  probesInFlight = 0;
  private readonly buckets = Array.from({ length: BUCKETS }, () => ({ start: 0, ok: 0, failed: 0 }));

  constructor(private readonly s: BreakerSettings) {}

  private bucket(now: number) {
    const width = this.s.windowMs / BUCKETS;
    const start = Math.floor(now / width) * width;
    const b = this.buckets[Math.floor(now / width) % BUCKETS] as { start: number; ok: number; failed: number };
    if (b.start !== start) Object.assign(b, { start, ok: 0, failed: 0 });
    return b;
  }

  counts(now: number): { requests: number; failures: number } {
    let ok = 0;
    let failed = 0;
    for (const b of this.buckets) {
      if (now - b.start < this.s.windowMs) {
        ok += b.ok;
        failed += b.failed;
      }
    }
    return { requests: ok + failed, failures: failed };
  }

  record(now: number, success: boolean) {
    const b = this.bucket(now);
    if (success) b.ok++;
    else b.failed++;
  }

  reset() {
    for (const b of this.buckets) Object.assign(b, { start: 0, ok: 0, failed: 0 });
  }

  /** Closed, no probe out, nothing in the window: the same as a new circuit. */
  idle(now: number): boolean {
    return this.state === 'closed' && this.probesInFlight === 0 && this.counts(now).requests === 0;
  }
}

export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  private forgetAt = KEEP_CIRCUITS;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly clock: Clock,
    private readonly onChange: (target: string, from: CircuitState, to: CircuitState, why: string) => void = () => {},
  ) {}

  private circuit(target: string): Circuit {
    let c = this.circuits.get(target);
    if (!c) {
      if (this.circuits.size >= this.forgetAt) this.forgetIdle();
      this.circuits.set(target, (c = new Circuit(this.settings)));
    }
    return c;
  }

  /**
   * Drops idle circuits once there are many: a pass-through target (`openai/<any model>`) gets a circuit on
   * its first request, so a client naming ever-new models would otherwise grow this map, /health and /metrics
   * without bound. An idle circuit holds nothing a new one would not. The next sweep waits until the map has
   * doubled, so sweeping stays O(1) per new target even when every circuit is busy.
   */
  private forgetIdle(): void {
    const now = this.clock.now();
    for (const [target, c] of this.circuits) if (c.idle(now)) this.circuits.delete(target);
    this.forgetAt = Math.max(KEEP_CIRCUITS, 2 * this.circuits.size);
  }

  private move(target: string, c: Circuit, to: CircuitState, why: string) {
    const from = c.state;
    if (from === to) return;
    c.state = to;
    if (to === 'open') c.openedAt = this.clock.now();
    if (to !== 'half-open') c.probesInFlight = 0;
    if (to === 'closed') c.reset();
    this.onChange(target, from, to, why);
  }

  /**
   * Whether a request may go to the target now. In half-open state this takes a probe slot, which the
   * request gives back through onSuccess / onFailure / onRelease.
   */
  acquire(target: string): boolean {
    const c = this.circuit(target);
    if (c.state === 'open') {
      if (this.clock.now() - c.openedAt < this.settings.cooldownMs) return false;
      this.move(target, c, 'half-open', `cooldown of ${this.settings.cooldownMs} ms over`);
    }
    if (c.state === 'half-open') {
      if (c.probesInFlight >= this.settings.halfOpenProbes) return false;
      c.probesInFlight++;
    }
    return true;
  }

  onSuccess(target: string): void {
    const c = this.circuit(target);
    if (c.state === 'half-open') {
      this.move(target, c, 'closed', 'probe succeeded');
      return;
    }
    c.record(this.clock.now(), true);
  }

  onFailure(target: string): void {
    const c = this.circuit(target);
    const now = this.clock.now();
    if (c.state === 'half-open') {
      this.move(target, c, 'open', 'probe failed');
      return;
    }
    if (c.state === 'open') return;
    c.record(now, false);
    const { requests, failures } = c.counts(now);
    if (requests >= this.settings.minRequests && failures / requests > this.settings.errorRate) {
      this.move(target, c, 'open', `${failures} of ${requests} requests failed in ${this.settings.windowMs} ms`);
    }
  }

  /** A request that ended without a verdict on the target (the client left): frees its probe slot. */
  onRelease(target: string): void {
    const c = this.circuit(target);
    if (c.state === 'half-open' && c.probesInFlight > 0) c.probesInFlight--;
  }

  state(target: string): CircuitState {
    const c = this.circuits.get(target);
    if (!c) return 'closed';
    if (c.state === 'open' && this.clock.now() - c.openedAt >= this.settings.cooldownMs) return 'half-open';
    return c.state;
  }

  snapshot(): CircuitSnapshot[] {
    const now = this.clock.now();
    return [...this.circuits.entries()].map(([target, c]) => ({
      target,
      state: this.state(target),
      ...c.counts(now),
      ...(c.state === 'open' && { retryAt: c.openedAt + this.settings.cooldownMs }),
    }));
  }
}
