/**
 * The scripting vocabulary shared by the fake upstreams: what a fake does with one request.
 * Each fake adds its own provider-specific fields (finish reason / stop reason) on top of this base.
 */

/** Token counts to report instead of the fake's word counts; fields left out keep the computed value. */
export interface FakeUsage {
  inputTokens?: number;
  outputTokens?: number;
  /** OpenAI `prompt_tokens_details.cached_tokens`; Anthropic `cache_read_input_tokens`. */
  cacheReadTokens?: number;
  /** Anthropic `cache_creation_input_tokens` (ignored by the OpenAI fake). */
  cacheWriteTokens?: number;
}

/** A tool call the fake "model" makes. Only emitted when the request declares `tools`. */
export interface FakeToolCall {
  /** Defaults to the first tool the request declares. */
  name?: string;
  /** An object (JSON-encoded by the fake) or a raw JSON string (sent verbatim, may be invalid on purpose). */
  arguments?: unknown;
  /** Defaults to a deterministic `call_fake_<n>_<i>` / `toolu_fake_<n>_<i>`. */
  id?: string;
}

/** An error body in the provider's own shape; defaults depend on the status. */
export interface FakeErrorSpec {
  message?: string;
  /** OpenAI `error.type` / Anthropic `error.type` (e.g. `rate_limit_error`, `overloaded_error`). */
  type?: string;
  /** OpenAI `error.code` (ignored by the Anthropic fake). */
  code?: string | null;
}

/** What the fake does with one request. Every field is optional; `{}` is the default echo reply. */
export interface FakeBehaviour {
  // ── failures before the reply ──
  /** Reply with this HTTP status and an error body in the provider's shape (any status ≥ 400). */
  status?: number;
  error?: FakeErrorSpec;
  /** Sets `retry-after` (seconds, or an HTTP date string). */
  retryAfter?: number | string;
  /** Extra response headers (on errors and successes). */
  headers?: Record<string, string>;
  /** Replace the whole response: status (default 200), headers and a raw body string (e.g. malformed JSON). */
  rawResponse?: { status?: number; headers?: Record<string, string>; body: string };

  // ── timing ──
  /** Wait this long before sending response headers (applies to errors too). */
  delayHeadersMs?: number;
  /** Streaming: wait this long before each content delta frame. */
  chunkDelayMs?: number;
  /**
   * Streaming: send the preamble (OpenAI role chunk; Anthropic message_start, content_block_start, ping)
   * and K content deltas, then never write again nor end (0 = no token ever arrives).
   * Non-streaming: send 200 headers and never send the body (K is ignored).
   */
  stallAfterChunks?: number;
  /**
   * Streaming: send the preamble and K content deltas, then destroy the socket (no [DONE] / message_stop).
   * Non-streaming: destroy the socket before any response is written (K is ignored).
   */
  cutAfterChunks?: number;
  /**
   * Streaming only: after K content deltas send an error frame in the provider's format
   * (OpenAI `data: {"error":{…}}`; Anthropic `event: error`) and end the response.
   */
  streamError?: { afterChunks?: number; message?: string; type?: string };

  // ── content ──
  /** Reply text instead of `echo: <last user text>`; split into word chunks. */
  text?: string;
  /** Exact stream deltas (their concatenation is the text); wins over `text`. */
  chunks?: string[];
  /** Make tool call(s) (only when the request declares `tools`); `text`, if also set, precedes them. */
  toolCalls?: FakeToolCall[];
  /** Report these token counts. */
  usage?: FakeUsage;
}

/** A behaviour, or a function choosing one from the recorded request. */
export type BehaviourSource<B extends FakeBehaviour> = B | ((req: RecordedRequest) => B);

/** Options for `script()`. */
export interface ScriptOptions {
  /** How many requests this entry serves before it is dropped (default 1; `Infinity` = until reset). */
  times?: number;
  /** Only requests for which this returns true consume the entry; others fall through to later entries. */
  match?: (req: RecordedRequest) => boolean;
}

/** One request as the fake received it. */
export interface RecordedRequest {
  /** 0-based arrival order since start or the last reset(). */
  seq: number;
  method: string;
  /** Path with query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The parsed JSON body (undefined for an empty or non-JSON body). Typed loosely for test assertions. */
  body: any;
  rawBody: string;
  /** Date.now() when the request's body had arrived. */
  receivedAt: number;
  /** HTTP status sent (undefined until headers are sent, or when the socket was cut first). */
  status?: number;
  /** True once the fake finished writing the response. */
  completed: boolean;
  /** True when the client (e.g. the gateway) closed the connection before the response was complete. */
  clientAborted: boolean;
}
