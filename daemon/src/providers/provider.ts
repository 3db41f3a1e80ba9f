import type { CancelSignal } from '../gateway/cancel.js';
import type { CanonicalEvent, CanonicalRequest, CanonicalResponse } from '../gateway/canonical.js';

export interface ProviderCall {
  request: CanonicalRequest;
  /** The upstream model id, already resolved from aliases and prefixes. */
  model: string;
  /** Aborted when the client goes away or a deadline passes; the provider must stop the upstream call. */
  signal: CancelSignal;
}

export type TierState = 'ready' | 'loading' | 'unconfigured' | 'error';

export interface TierStatus {
  /** Provider id: openai, anthropic, local. */
  id: string;
  available: boolean;
  state: TierState;
  /** A human sentence: where it points, or what to do to enable it. */
  detail: string;
  models: string[];
}

/**
 * A door out of the gateway. `stream` yields canonical events and throws GatewayErrors (UpstreamError,
 * UpstreamTimeoutError, ServiceUnavailableError) on failure. It ends with exactly one `finish` event.
 */
export interface Provider {
  readonly id: string;
  status(): TierStatus;
  stream(call: ProviderCall): AsyncIterable<CanonicalEvent>;
  /**
   * The whole answer in one upstream response, for callers that did not ask for a stream: one body to parse
   * instead of dozens of events. Optional: without it the gateway collects `stream`. Throws as `stream` does.
   */
  complete?(call: ProviderCall): Promise<CanonicalResponse>;
  /**
   * Tokens `text` takes for `model` with the provider's own tokenizer (rate limits and budgets count before
   * the call). Optional: without it the gateway uses its own tokenizer or estimate for the provider.
   */
  countTokens?(text: string, model: string): Promise<number | undefined>;
  /** Release sockets, models and contexts. */
  close(): Promise<void>;
}
