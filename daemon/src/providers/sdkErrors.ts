/**
 * Maps errors thrown by the official SDKs (openai, @anthropic-ai/sdk) to gateway errors. Both SDKs share the
 * same error vocabulary (APIError with status and headers, APIConnectionError, APIConnectionTimeoutError,
 * APIUserAbortError), so one mapper serves both.
 */
import type { CancelSignal } from '../gateway/cancel.js';
import { GatewayError, UpstreamError, UpstreamTimeoutError } from '../errors.js';
import { redactKnown } from '../redact.js';

interface SdkErrorShape {
  name?: string;
  status?: number;
  message?: string;
  headers?: Headers | Record<string, string>;
  error?: { error?: { message?: string; type?: string }; message?: string };
  constructor: { name: string };
}

export class ClientAbortError extends Error {
  constructor() {
    super('The client closed the request.');
    this.name = 'ClientAbortError';
  }
}

/** `secrets`: the provider's own key(s), redacted from upstream messages that echo them. */
export function mapSdkError(e: unknown, provider: string, signal: CancelSignal, secrets: (string | undefined)[] = []): Error {
  const redact = (text: string) => redactKnown(text, secrets);
  if (e instanceof GatewayError) return e;
  if (signal.aborted) return e instanceof Error && e.name === 'TimeoutError' ? e : new ClientAbortError();
  const err = e as SdkErrorShape;
  const kind = err?.constructor?.name ?? '';
  if (kind.includes('UserAbort')) return new ClientAbortError();
  if (kind.includes('Timeout')) return new UpstreamTimeoutError(`${provider} did not answer in time.`);
  if (kind.includes('Connection')) return new UpstreamError(`${provider} could not be reached: ${redact(String(err.message ?? 'connection error'))}`, undefined, 'upstream_unreachable');
  if (typeof err?.status === 'number') {
    const detail = err.error?.error?.message ?? err.error?.message ?? err.message ?? '';
    const headers: Record<string, string> = {};
    for (const name of ['retry-after', 'retry-after-ms']) {
      const value = header(err.headers, name);
      if (value) headers[name] = value;
    }
    return new UpstreamError(`${provider} answered ${err.status}: ${redact(String(detail)).slice(0, 500)}`, err.status, 'upstream_error', headers);
  }
  // An `error` event inside a stream arrives as an APIError without a status.
  return new UpstreamError(`${provider} failed: ${redact(String(err?.message ?? e)).slice(0, 500)}`);
}

function header(h: SdkErrorShape['headers'], name: string): string | undefined {
  if (!h) return undefined;
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined;
  return (h as Record<string, string>)[name];
}
