/** One playground run: stream a chat completion from the daemon and measure it. Knows nothing of VS Code. */
import type { OpenAIChatRequest } from '../../../daemon/src/protocol/openai.js';
import { DaemonHttpError, DaemonProtocolError, DaemonUnreachableError, type DaemonClient } from '../daemon/client.js';
import type { RunMetrics, SendParams } from './protocol.js';

export interface RunEvents {
  started(meta: { provider?: string; model?: string }): void;
  delta(text: string): void;
}

export class RunError extends Error {
  constructor(message: string, readonly metrics: RunMetrics) {
    super(message);
    this.name = 'RunError';
  }
}

/**
 * Streams the answer, reporting text as it arrives. Resolves with the metrics (also when stopped through
 * `signal`); rejects with a RunError whose message is meant for people.
 */
export async function runChat(
  client: Pick<DaemonClient, 'streamChat'>,
  params: SendParams,
  events: RunEvents,
  signal: AbortSignal,
  now: () => number = () => performance.now(),
): Promise<RunMetrics> {
  const messages: OpenAIChatRequest['messages'] = [];
  if (params.system.trim()) messages.push({ role: 'system', content: params.system });
  messages.push({ role: 'user', content: params.user });

  const t0 = now();
  const metrics: RunMetrics = { totalMs: 0, stopped: false };
  try {
    const meta = await client.streamChat(
      { model: params.model, messages, ...(params.maxTokens ? { max_tokens: params.maxTokens } : {}) },
      {
        onStart: (m) => {
          Object.assign(metrics, { provider: m.provider, model: m.model, requestId: m.requestId });
          events.started(m);
        },
        onChunk: (chunk) => {
          for (const choice of chunk.choices) {
            const text = choice.delta?.content;
            if (text) {
              metrics.timeToFirstTokenMs ??= Math.round(now() - t0);
              events.delta(text);
            }
            if (choice.finish_reason) metrics.finishReason = choice.finish_reason;
          }
          if (chunk.usage) {
            metrics.promptTokens = chunk.usage.prompt_tokens;
            metrics.completionTokens = chunk.usage.completion_tokens;
            metrics.totalTokens = chunk.usage.total_tokens;
          }
          if (!metrics.model && chunk.model) metrics.model = chunk.model;
        },
      },
      signal,
    );
    metrics.provider ??= meta.provider;
    metrics.model ??= meta.model;
    metrics.totalMs = Math.round(now() - t0);
    return metrics;
  } catch (err) {
    metrics.totalMs = Math.round(now() - t0);
    if (signal.aborted) {
      metrics.stopped = true;
      return metrics;
    }
    throw new RunError(describeError(err), metrics);
  }
}

/** A daemon or transport failure in plain words. */
export function describeError(err: unknown): string {
  if (err instanceof DaemonUnreachableError) {
    return 'The Switchboard daemon is not running. Start it with "Switchboard: Start Daemon" or from the status bar.';
  }
  if (err instanceof DaemonHttpError) {
    const code = err.code ? ` (${err.code})` : '';
    return `The daemon could not answer: ${err.message}${code}`;
  }
  if (err instanceof DaemonProtocolError) return err.message;
  return `The request failed: ${err instanceof Error ? err.message : String(err)}`;
}
