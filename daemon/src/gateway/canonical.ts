/**
 * The canonical request/response/event model at the centre of the gateway.
 *
 * Both doors (OpenAI, Anthropic) translate into this model and every provider translates out of it.
 * The shape follows Anthropic's (system apart, tool calls and tool results as content parts) because it
 * is the more general one: OpenAI's `tool` role and `tool_calls` map onto it without loss.
 * Streaming is the native shape: a non-streaming reply is a collected stream (see collect.ts), and a whole
 * answer a provider fetched in one response travels as the events of one (`eventsOf`).
 */

export type JsonSchema = Record<string, unknown>;

export type ContentPart =
  | { type: 'text'; text: string }
  /** An image by URL: `data:` URLs carry base64 bytes, others are fetched by the provider. */
  | { type: 'image'; url: string }
  /** A call the assistant made. `arguments` is the JSON text exactly as the model produced it. */
  | { type: 'tool_call'; id: string; name: string; arguments: string }
  /** The caller's answer to a tool call, sent back in a user turn. */
  | { type: 'tool_result'; toolCallId: string; content: string; isError?: boolean };

export interface CanonicalMessage {
  role: 'user' | 'assistant';
  content: ContentPart[];
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: JsonSchema;
}

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: JsonSchema; strict?: boolean };

export interface CanonicalRequest {
  /** The model name as the client sent it (an alias, `provider/model`, or a bare well-known name). */
  model: string;
  system?: string;
  messages: CanonicalMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  seed?: number;
  /** End-user id for abuse tracking and per-user limits. */
  user?: string;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

/**
 * What a provider streams. Tool calls arrive as a start (id, name) followed by argument deltas, indexed
 * so that parallel calls can interleave. Exactly one `finish` ends a successful stream; a stream that ends
 * without one was truncated and the gateway treats it as an upstream failure.
 */
export type CanonicalEvent =
  | { type: 'text'; text: string }
  | { type: 'tool_call_start'; index: number; id: string; name: string }
  | { type: 'tool_call_delta'; index: number; arguments: string }
  | { type: 'finish'; reason: FinishReason; usage: Usage; stopSequence?: string };

/** A collected (non-streaming) reply. */
export interface CanonicalResponse {
  content: Array<Extract<ContentPart, { type: 'text' } | { type: 'tool_call' }>>;
  finishReason: FinishReason;
  usage: Usage;
  stopSequence?: string;
}

/** The concrete upstream a request is sent to, once aliases and families are resolved. */
export interface Target {
  /** Provider id: `openai`, `anthropic` or `local`. */
  provider: string;
  /** The model id the provider understands (`gpt-4o-mini`, `claude-haiku-4-5`, `default`). */
  model: string;
}

export function targetName(t: Target): string {
  return `${t.provider}/${t.model}`;
}
