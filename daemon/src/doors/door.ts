import type { z } from 'zod';
import type { CanonicalEvent, CanonicalRequest, CanonicalResponse } from '../gateway/canonical.js';
import { InvalidRequestError, type GatewayError } from '../errors.js';

/** What a door's parser hands the gateway. */
export interface ParsedRequest {
  request: CanonicalRequest;
  stream: boolean;
  /** OpenAI's stream_options.include_usage; Anthropic streams always carry usage. */
  includeUsage: boolean;
}

/** Identity of one response as the caller sees it. */
export interface ResponseMeta {
  /** Switchboard's request id; each door derives its own id format from it. */
  requestId: string;
  /** The model label reported back (`provider/model` of the serving target). */
  model: string;
  created: number;
}

/** Turns canonical events into the door's stream frames (SSE text), keeping whatever state the format needs. */
export interface StreamEncoder {
  /** Frames to send before the first event (may be empty). */
  start(): string;
  encode(event: CanonicalEvent): string;
  /** Frames that close a successful stream. */
  end(): string;
  /** A frame that reports a failure after the stream has started. */
  error(err: GatewayError): string;
}

/** A door into the gateway: one public API format, parsed into and rendered from the canonical model. */
export interface Door {
  readonly name: 'openai' | 'anthropic';
  parse(body: unknown): ParsedRequest;
  render(response: CanonicalResponse, meta: ResponseMeta): unknown;
  encoder(meta: ResponseMeta, includeUsage: boolean): StreamEncoder;
  errorBody(err: GatewayError): unknown;
}

/** zod issues → one precise 400 message naming each path (`messages.0.content: …`). */
export function invalid(error: z.ZodError, what: string): InvalidRequestError {
  const lines = error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : what}: ${i.message}`);
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return new InvalidRequestError(`Invalid ${what}: ${lines.join('; ')}${more}`);
}

export function sse(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}
