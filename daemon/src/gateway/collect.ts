import type { CanonicalEvent, CanonicalResponse } from './canonical.js';
import { UpstreamError } from '../errors.js';

/** Builds a response from canonical events, one at a time; `add` returns it at the `finish` event. */
export class ResponseCollector {
  private readonly content: CanonicalResponse['content'] = [];
  private readonly calls = new Map<number, { type: 'tool_call'; id: string; name: string; arguments: string }>();

  add(e: CanonicalEvent): CanonicalResponse | undefined {
    switch (e.type) {
      case 'text': {
        const last = this.content.at(-1);
        if (last?.type === 'text') last.text += e.text;
        else this.content.push({ type: 'text', text: e.text });
        return undefined;
      }
      case 'tool_call_start': {
        const call = { type: 'tool_call' as const, id: e.id, name: e.name, arguments: '' };
        this.calls.set(e.index, call);
        this.content.push(call);
        return undefined;
      }
      case 'tool_call_delta': {
        const call = this.calls.get(e.index);
        if (call) call.arguments += e.arguments;
        return undefined;
      }
      case 'finish':
        return { content: this.content, finishReason: e.reason, usage: e.usage, ...(e.stopSequence !== undefined && { stopSequence: e.stopSequence }) };
    }
  }
}

/**
 * `collect` for a caller that answers first: the whole response as soon as the `finish` event arrives, and
 * `finish()` to read the stream to its end afterwards — which is when the stages' end-of-stream work runs
 * (settling limits, recording the request), so it no longer delays the answer. `finish()` reads on rather than
 * abandoning the stream, so a provider's connection is left clean for reuse.
 */
export async function collectFirst(events: AsyncIterable<CanonicalEvent>): Promise<{ response: CanonicalResponse; finish: () => Promise<void> }> {
  const it = events[Symbol.asyncIterator]();
  const collector = new ResponseCollector();
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    let done: CanonicalResponse | undefined;
    try {
      done = collector.add(r.value);
    } catch (e) {
      await it.return?.();
      throw e;
    }
    if (done) {
      const response = done;
      return {
        response,
        finish: async () => {
          while (!(await it.next()).done);
        },
      };
    }
  }
  throw new UpstreamError('The upstream stream ended without finishing: the answer was truncated.', undefined, 'upstream_truncated');
}

/** Collects a canonical event stream into one response, abandoning the stream at its finish event. */
export async function collect(events: AsyncIterable<CanonicalEvent>): Promise<CanonicalResponse> {
  const collector = new ResponseCollector();
  for await (const e of events) {
    const done = collector.add(e);
    if (done) return done;
  }
  throw new UpstreamError('The upstream stream ended without finishing: the answer was truncated.', undefined, 'upstream_truncated');
}

/**
 * A whole response as the events a stream of it would have carried (the inverse of `collect`): text parts cut
 * by `textChunks` (whole by default), then each tool call as a start and one argument delta, then the finish.
 */
export function* responseEvents(r: CanonicalResponse, textChunks: (text: string) => Iterable<string> = (t) => [t]): Generator<CanonicalEvent> {
  let index = 0;
  for (const part of r.content) {
    if (part.type === 'text') {
      for (const text of textChunks(part.text)) yield { type: 'text', text };
    } else {
      yield { type: 'tool_call_start', index, id: part.id, name: part.name };
      if (part.arguments) yield { type: 'tool_call_delta', index, arguments: part.arguments };
      index++;
    }
  }
  yield { type: 'finish', reason: r.finishReason, usage: r.usage, ...(r.stopSequence !== undefined && { stopSequence: r.stopSequence }) };
}

/** A whole answer a provider fetched in one response, as events, so that everything after it treats both shapes alike. */
export async function* eventsOf(answer: Promise<CanonicalResponse>): AsyncGenerator<CanonicalEvent> {
  yield* responseEvents(await answer);
}
