/**
 * A fake Anthropic Messages API on loopback speaking the real wire format: `POST /v1/messages` (JSON and
 * the full SSE event sequence) and `GET /v1/models`, with `x-api-key` or bearer auth, the required
 * `anthropic-version` header, request recording and scripted behaviours.
 *
 * @example
 * const anthropic = await startFakeAnthropic();
 * anthropic.script({ streamError: { afterChunks: 2, type: 'overloaded_error' } });
 * // point the gateway at anthropic.url (no /v1) with key anthropic.apiKey …
 * await anthropic.close();
 */
import type { ServerResponse } from 'node:http';
import type { BehaviourSource, FakeBehaviour, FakeErrorSpec } from './behaviour.js';
import { behaviourHeaders, sendJson, startFakeServer, startSse, writeFrame, type Exchange, type FakeUpstream } from './fakeServer.js';
import { argumentsJson, countInputWords, echoReply, shapeReply, splitArguments, splitWords, stopList } from './fakeText.js';

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal';

/** A scripted behaviour for the Anthropic fake. */
export interface AnthropicBehaviour extends FakeBehaviour {
  /** Force `stop_reason` (otherwise: max_tokens, stop_sequence, tool_use or end_turn from the reply). */
  stopReason?: AnthropicStopReason;
  /** Force `stop_sequence` (otherwise the matched one when a stop sequence cut the text, else null). */
  stopSequence?: string;
}

export interface FakeAnthropicOptions {
  /** The accepted key (`x-api-key: <key>` or `Authorization: Bearer <key>`); default `sk-ant-fake`. */
  apiKey?: string;
  /** Default: an ephemeral port. */
  port?: number;
  /** Ids listed by `GET /v1/models`; default `['claude-sonnet-4-5', 'claude-haiku-4-5']`. Messages accept any model. */
  models?: string[];
  /** Behaviour for requests with nothing scripted; default `{}` (echo). */
  defaultBehaviour?: BehaviourSource<AnthropicBehaviour>;
}

export type FakeAnthropic = FakeUpstream<AnthropicBehaviour>;

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Starts the fake Anthropic server; `url` is `http://127.0.0.1:PORT` (the SDK adds `/v1`). */
export function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const apiKey = opts.apiKey ?? 'sk-ant-fake';
  const models = opts.models ?? ['claude-sonnet-4-5', 'claude-haiku-4-5'];
  let counter = 0;

  async function handle(ex: Exchange<AnthropicBehaviour>): Promise<void> {
    const { record, res } = ex;
    const n = ++counter;
    const path = record.path.split('?')[0];
    const route = `${record.method} ${path}`;
    if (route !== 'POST /v1/messages' && route !== 'GET /v1/models') {
      return sendError(res, n, 404, { message: `${route} not found` });
    }
    const h = record.headers;
    if (h['x-api-key'] !== apiKey && h['authorization'] !== `Bearer ${apiKey}`) {
      return sendError(res, n, 401, { message: h['x-api-key'] || h['authorization'] ? 'invalid x-api-key' : 'x-api-key header is required' });
    }
    if (!h['anthropic-version']) return sendError(res, n, 400, { message: 'anthropic-version: header is required' });
    if (route === 'GET /v1/models') {
      const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
      return sendJson(res, 200, { data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null }, { 'request-id': requestId(n) });
    }

    const body = record.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return sendError(res, n, 400, { message: 'There was an issue with your request body: invalid JSON' });
    if (typeof body.model !== 'string') return sendError(res, n, 400, { message: 'model: Field required' });
    if (typeof body.max_tokens !== 'number') return sendError(res, n, 400, { message: 'max_tokens: Field required' });
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return sendError(res, n, 400, { message: 'messages: at least one message is required' });
    }

    const b = ex.takeBehaviour();
    if (!(await ex.sleep(b.delayHeadersMs))) return;
    if (b.rawResponse) {
      res.writeHead(b.rawResponse.status ?? 200, { 'content-type': 'application/json', ...b.rawResponse.headers });
      res.end(b.rawResponse.body);
      return;
    }
    const headers = { 'request-id': requestId(n), ...behaviourHeaders(b) };
    if (b.status !== undefined && b.status >= 400) return sendError(res, n, b.status, b.error ?? {}, headers);

    const message = planMessage(body, b, n);
    if (body.stream === true) return streamMessage(ex, message, b, headers);

    if (b.cutAfterChunks !== undefined) return ex.cut();
    if (b.stallAfterChunks !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.flushHeaders();
      return ex.hang();
    }
    const content = message.blocks.map((blk) =>
      blk.type === 'text' ? { type: 'text', text: blk.pieces.join(''), citations: null } : { ...blk.start, input: parseOr(blk.pieces.join('')) },
    );
    sendJson(res, 200, { ...message.envelope, content, stop_reason: message.stopReason, stop_sequence: message.stopSequence, usage: message.usage }, headers);
  }

  return startFakeServer<AnthropicBehaviour>({ apiKey, basePath: '', port: opts.port, defaultBehaviour: opts.defaultBehaviour, handle });
}

interface Block {
  type: 'text' | 'tool_use';
  /** The content_block_start payload. */
  start: Record<string, unknown>;
  /** Text deltas or partial_json fragments. */
  pieces: string[];
}

interface MessagePlan {
  envelope: Record<string, unknown>;
  blocks: Block[];
  stopReason: string;
  stopSequence: string | null;
  usage: Record<string, unknown>;
}

function planMessage(body: Record<string, unknown>, b: AnthropicBehaviour, n: number): MessagePlan {
  const tools = Array.isArray(body.tools) ? (body.tools as { name?: string }[]) : [];
  const calls = tools.length && b.toolCalls?.length ? b.toolCalls : [];
  const source = b.chunks ?? splitWords(b.text ?? (calls.length ? '' : echoReply(body.messages)));
  const shaped = shapeReply(source, stopList(body.stop_sequences), body.max_tokens as number);
  const truncated = shaped.cut?.reason === 'length';
  const blocks: Block[] = [];
  if (shaped.chunks.length || !calls.length || truncated) {
    blocks.push({ type: 'text', start: { type: 'text', text: '', citations: null }, pieces: shaped.chunks });
  }
  if (!truncated) {
    calls.forEach((t, i) => {
      blocks.push({
        type: 'tool_use',
        start: { type: 'tool_use', id: t.id ?? `toolu_fake_${n}_${i}`, name: t.name ?? tools[0]?.name ?? 'tool', input: {}, caller: { type: 'direct' } },
        pieces: splitArguments(argumentsJson(t.arguments)),
      });
    });
  }
  const hasCalls = blocks.some((blk) => blk.type === 'tool_use');
  const stopReason = b.stopReason ?? (truncated ? 'max_tokens' : shaped.cut?.reason === 'stop' ? 'stop_sequence' : hasCalls ? 'tool_use' : 'end_turn');
  const stopSequence = b.stopSequence ?? (shaped.cut?.reason === 'stop' ? shaped.cut.sequence : null);
  const output = b.usage?.outputTokens ?? blocks.reduce((s, blk) => s + blk.pieces.length + (blk.type === 'tool_use' ? 1 : 0), 0);
  return {
    envelope: {
      id: `msg_fake_${n}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      container: null,
      stop_details: null,
    },
    blocks,
    stopReason,
    stopSequence,
    usage: {
      input_tokens: b.usage?.inputTokens ?? countInputWords(body.messages, body.system),
      cache_creation_input_tokens: b.usage?.cacheWriteTokens ?? 0,
      cache_read_input_tokens: b.usage?.cacheReadTokens ?? 0,
      cache_creation: { ephemeral_5m_input_tokens: b.usage?.cacheWriteTokens ?? 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: output,
      service_tier: 'standard',
    },
  };
}

async function streamMessage(ex: Exchange<AnthropicBehaviour>, m: MessagePlan, b: AnthropicBehaviour, headers: Record<string, string>): Promise<void> {
  const { res } = ex;
  const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

  // Frames after the preamble; deltas are where scripted failures and chunk delays apply.
  const frames: { frame: string; delta: boolean }[] = [];
  m.blocks.forEach((blk, index) => {
    if (index > 0) frames.push({ frame: event('content_block_start', { index, content_block: blk.start }), delta: false });
    for (const piece of blk.pieces) {
      const delta = blk.type === 'text' ? { type: 'text_delta', text: piece } : { type: 'input_json_delta', partial_json: piece };
      frames.push({ frame: event('content_block_delta', { index, delta }), delta: true });
    }
    frames.push({ frame: event('content_block_stop', { index }), delta: false });
  });

  startSse(res, headers);
  const startUsage = { ...m.usage, output_tokens: 1 };
  const preamble =
    event('message_start', { message: { ...m.envelope, content: [], stop_reason: null, stop_sequence: null, usage: startUsage } }) +
    event('content_block_start', { index: 0, content_block: m.blocks[0]!.start }) +
    event('ping', {});
  if (!writeFrame(res, preamble)) return;

  const gate = async (sent: number): Promise<boolean> => {
    if (b.stallAfterChunks !== undefined && sent >= b.stallAfterChunks) {
      await ex.hang();
      return false;
    }
    if (b.cutAfterChunks !== undefined && sent >= b.cutAfterChunks) {
      ex.cut();
      return false;
    }
    const se = b.streamError;
    if (se && sent >= (se.afterChunks ?? 0)) {
      writeFrame(res, `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: se.type ?? 'overloaded_error', message: se.message ?? 'Overloaded' } })}\n\n`);
      res.end();
      return false;
    }
    return true;
  };

  let sent = 0;
  for (const f of frames) {
    if (f.delta) {
      if (!(await gate(sent))) return;
      if (!(await ex.sleep(b.chunkDelayMs))) return;
    }
    if (!writeFrame(res, f.frame)) return;
    if (f.delta) sent++;
  }
  if (!(await gate(sent))) return;
  writeFrame(
    res,
    event('message_delta', {
      delta: { stop_reason: m.stopReason, stop_sequence: m.stopSequence, stop_details: null, container: null },
      usage: { output_tokens: m.usage.output_tokens },
    }) + event('message_stop', {}),
  );
  res.end();
}

function sendError(res: ServerResponse, n: number, status: number, spec: FakeErrorSpec, headers: Record<string, string> = {}): void {
  const type = spec.type ?? ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  const message = spec.message ?? (type === 'overloaded_error' ? 'Overloaded' : type === 'rate_limit_error' ? 'Number of requests has exceeded your rate limit' : `Request failed with status ${status}`);
  sendJson(res, status, { type: 'error', error: { type, message }, request_id: requestId(n) }, { 'request-id': requestId(n), ...headers });
}

function requestId(n: number): string {
  return `req_fake_${n}`;
}

function parseOr(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}
