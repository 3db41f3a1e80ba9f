/** A cached response, and its conversion from and back into a canonical event stream. */
import type { CanonicalEvent, CanonicalResponse, Target } from '../gateway/canonical.js';
import { ResponseCollector, responseEvents } from '../gateway/collect.js';

export interface CacheEntry {
  /** The exact key of the request that produced it. */
  id: string;
  route: string;
  /** Semantic scope hash; absent for entries only an exact match may serve. */
  scope?: string;
  /** The question as asked (what was embedded), for inspection, invalidation by prompt and the guard. */
  prompt: string;
  /** Which embedder made `vector`: vectors of different embedders are never compared. */
  embedder?: string;
  vector?: number[];
  target: Target;
  response: CanonicalResponse;
  createdAt: number;
  /** Served until then (ms since epoch). */
  expiresAt: number;
  /** Kept until then for the resilience layer's graceful degradation. */
  staleUntil: number;
}

/**
 * Replays a cached response as canonical events, text in word-sized chunks so that a streaming caller sees
 * a stream in its own format (the doors encode it like any provider's).
 */
export async function* replay(response: CanonicalResponse): AsyncGenerator<CanonicalEvent> {
  yield* responseEvents(response, (text) => text.match(/\S+\s*|\s+/g) ?? []);
}

/**
 * Passes events through while collecting them; calls `onComplete` only when the stream reaches its `finish`
 * event — a truncated, failed or abandoned stream never does, and is never cached. The answer is stored once
 * the consumer has taken the finish event and reads on (the gateway's consumers read to the end: a whole answer
 * is sent first, see collectFirst), so storing it does not delay the answer.
 */
export async function* capture(events: AsyncIterable<CanonicalEvent>, onComplete: (response: CanonicalResponse) => void): AsyncGenerator<CanonicalEvent> {
  const collector = new ResponseCollector();
  let finished = false;
  for await (const e of events) {
    const done = finished ? undefined : collector.add(e);
    if (done) finished = true;
    yield e;
    if (done) onComplete(done);
  }
}
