/** A cached response, and its conversion from and back into a canonical event stream. */
import type { CanonicalEvent, CanonicalResponse, Target } from '../gateway/canonical.js';
import { ResponseCollector, responseEvents } from '../gateway/collect.js';
import { observe } from '../gateway/pipeline.js';

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
 * Watches a served stream (see `observe`) and calls `onComplete` with the answer once the stream has ended
 * after its `finish` event — never for a stream that was truncated or failed before it, so such an answer is
 * never cached. The gateway's consumers send the answer first and read on (see collectFirst), so storing it
 * does not delay the answer.
 */
export function capture(events: AsyncIterable<CanonicalEvent>, onComplete: (response: CanonicalResponse) => void): AsyncIterable<CanonicalEvent> {
  const collector = new ResponseCollector();
  let complete: CanonicalResponse | undefined;
  return observe(events, {
    event: (e) => {
      if (!complete) complete = collector.add(e);
    },
    end: () => {
      if (complete) onComplete(complete);
    },
  });
}
