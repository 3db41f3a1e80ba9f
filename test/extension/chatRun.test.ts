import assert from 'node:assert/strict';
import { DaemonHttpError, DaemonUnreachableError, type ChatStreamHandlers } from '../../extension/src/daemon/client.js';
import { describeError, runChat, RunError } from '../../extension/src/playground/chatRun.js';

const params = { runId: 'r1', model: 'local/default', system: 'Be brief.', user: 'Hi', maxTokens: 16 };

/** A fake clock that advances 10 ms every time it is read. */
function clock() {
  let t = 1_000;
  return () => (t += 10);
}

describe('playground run (metrics and errors)', () => {
  it('measures time to first token, total time, tokens and who served it', async () => {
    const deltas: string[] = [];
    let sent: unknown;
    const client = {
      async streamChat(request: unknown, h: ChatStreamHandlers) {
        sent = request;
        h.onStart?.({ provider: 'local', model: 'default', requestId: 'q' });
        h.onChunk({ choices: [{ delta: { content: '' } }] });
        h.onChunk({ choices: [{ delta: { content: 'Hel' } }] });
        h.onChunk({ choices: [{ delta: { content: 'lo' }, finish_reason: 'stop' }] });
        h.onChunk({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } });
        return { provider: 'local', model: 'default', requestId: 'q' };
      },
    };
    const m = await runChat(client, params, { started: () => undefined, delta: (t) => deltas.push(t) }, new AbortController().signal, clock());
    assert.deepEqual(deltas, ['Hel', 'lo']);
    assert.deepEqual(m, {
      totalMs: 20,
      stopped: false,
      provider: 'local',
      model: 'default',
      requestId: 'q',
      timeToFirstTokenMs: 10,
      finishReason: 'stop',
      promptTokens: 4,
      completionTokens: 2,
      totalTokens: 6,
    });
    assert.deepEqual(sent, {
      model: 'local/default',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 16,
    });
  });

  it('a stopped run resolves with stopped: true and the partial metrics', async () => {
    const abort = new AbortController();
    const client = {
      async streamChat(_r: unknown, h: ChatStreamHandlers) {
        h.onChunk({ choices: [{ delta: { content: 'x' } }] });
        abort.abort();
        throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      },
    };
    const m = await runChat(client, params, { started: () => undefined, delta: () => undefined }, abort.signal, clock());
    assert.equal(m.stopped, true);
    assert.equal(m.timeToFirstTokenMs, 10);
  });

  it('a failed run rejects with a RunError in plain words', async () => {
    const client = {
      async streamChat(): Promise<never> {
        throw new DaemonHttpError(503, 'no_tier_available', 'No tier can serve "openai/gpt-4o": set OPENAI_API_KEY.');
      },
    };
    await assert.rejects(
      runChat(client, params, { started: () => undefined, delta: () => undefined }, new AbortController().signal, clock()),
      (err: unknown) => err instanceof RunError && /^The daemon could not answer: No tier can serve/.test(err.message),
    );
  });

  it('describes an unreachable daemon without jargon', () => {
    assert.match(describeError(new DaemonUnreachableError('/x.sock', new Error('ENOENT'))), /daemon is not running/);
  });
});
