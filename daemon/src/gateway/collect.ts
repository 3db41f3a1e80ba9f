import type { CanonicalEvent, CanonicalResponse } from './canonical.js';
import { UpstreamError } from '../errors.js';

/** Collects a canonical event stream into one response (the non-streaming reply is a collected stream). */
export async function collect(events: AsyncIterable<CanonicalEvent>): Promise<CanonicalResponse> {
  const content: CanonicalResponse['content'] = [];
  const calls = new Map<number, { type: 'tool_call'; id: string; name: string; arguments: string }>();
  for await (const e of events) {
    switch (e.type) {
      case 'text': {
        const last = content.at(-1);
        if (last?.type === 'text') last.text += e.text;
        else content.push({ type: 'text', text: e.text });
        break;
      }
      case 'tool_call_start': {
        const call = { type: 'tool_call' as const, id: e.id, name: e.name, arguments: '' };
        calls.set(e.index, call);
        content.push(call);
        break;
      }
      case 'tool_call_delta': {
        const call = calls.get(e.index);
        if (call) call.arguments += e.arguments;
        break;
      }
      case 'finish':
        return { content, finishReason: e.reason, usage: e.usage, ...(e.stopSequence !== undefined && { stopSequence: e.stopSequence }) };
    }
  }
  throw new UpstreamError('The upstream stream ended without finishing: the answer was truncated.', undefined, 'upstream_truncated');
}
