/**
 * A fake OpenAI API on loopback speaking the real wire format: `POST /v1/chat/completions` (JSON and SSE)
 * and `GET /v1/models`, with bearer auth, request recording and scripted behaviours.
 *
 * @example
 * const openai = await startFakeOpenAI();
 * openai.script({ status: 429, retryAfter: 1 });
 * // point the gateway at openai.url (includes /v1) with key openai.apiKey …
 * await openai.close();
 */
import type { ServerResponse } from 'node:http';
import type { BehaviourSource, FakeBehaviour, FakeErrorSpec } from './behaviour.js';
import { behaviourHeaders, sendJson, startFakeServer, startSse, writeFrame, type Exchange, type FakeUpstream } from './fakeServer.js';
import { argumentsJson, countInputWords, echoReply, shapeReply, splitArguments, splitWords, stopList } from './fakeText.js';

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** A scripted behaviour for the OpenAI fake. */
export interface OpenAIBehaviour extends FakeBehaviour {
  /** Force the reported `finish_reason` (otherwise: length when truncated, tool_calls, or stop). */
  finishReason?: OpenAIFinishReason;
}

export interface FakeOpenAIOptions {
  /** The accepted key (`Authorization: Bearer <key>`); default `sk-fake-openai`. */
  apiKey?: string;
  /** Default: an ephemeral port. */
  port?: number;
  /** Ids listed by `GET /v1/models`; default `['gpt-4o-mini', 'gpt-4o']`. Chat accepts any model. */
  models?: string[];
  /** Behaviour for requests with nothing scripted; default `{}` (echo). */
  defaultBehaviour?: BehaviourSource<OpenAIBehaviour>;
}

export type FakeOpenAI = FakeUpstream<OpenAIBehaviour>;

const CREATED = 1_700_000_000;

/** Starts the fake OpenAI server; `url` is `http://127.0.0.1:PORT/v1`. */
export function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const apiKey = opts.apiKey ?? 'sk-fake-openai';
  const models = opts.models ?? ['gpt-4o-mini', 'gpt-4o'];
  let completionCounter = 0;

  async function handle(ex: Exchange<OpenAIBehaviour>): Promise<void> {
    const { record, res } = ex;
    const path = record.path.split('?')[0];
    const route = `${record.method} ${path}`;
    if (route !== 'POST /v1/chat/completions' && route !== 'GET /v1/models') {
      return sendError(res, 404, { message: `Unknown request URL: ${route}. Please check the URL for typos.`, code: 'unknown_url' });
    }
    const auth = record.headers['authorization'] ?? '';
    if (auth !== `Bearer ${apiKey}`) {
      const shown = auth.startsWith('Bearer ') ? auth.slice(7, 13) + '***' : '';
      const message = shown
        ? `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`
        : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
      return sendError(res, 401, { message, code: shown ? 'invalid_api_key' : null });
    }
    if (route === 'GET /v1/models') {
      return sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'openai' })) });
    }

    const body = record.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') {
      return sendError(res, 400, { message: 'We could not parse the JSON body of your request.' });
    }
    if (typeof body.model !== 'string') return sendError(res, 400, { message: "you must provide a model parameter", param: 'model' });
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return sendError(res, 400, { message: "Invalid 'messages': empty array. Expected an array with minimum length 1.", param: 'messages', code: 'empty_array' });
    }

    const b = ex.takeBehaviour();
    if (!(await ex.sleep(b.delayHeadersMs))) return;
    if (b.rawResponse) {
      res.writeHead(b.rawResponse.status ?? 200, { 'content-type': 'application/json', ...b.rawResponse.headers });
      res.end(b.rawResponse.body);
      return;
    }
    if (b.status !== undefined && b.status >= 400) return sendError(res, b.status, b.error ?? {}, behaviourHeaders(b));

    const plan = planReply(body, b, ++completionCounter);
    if (body.stream === true) return streamReply(ex, body, b, plan);

    if (b.cutAfterChunks !== undefined) return ex.cut();
    if (b.stallAfterChunks !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json', ...behaviourHeaders(b) });
      res.flushHeaders();
      return ex.hang();
    }
    const text = plan.chunks.join('');
    const message: Record<string, unknown> = { role: 'assistant', content: plan.toolCalls.length && !text ? null : text, refusal: null, annotations: [] };
    if (plan.toolCalls.length) {
      message.tool_calls = plan.toolCalls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.args } }));
    }
    sendJson(res, 200, {
      id: plan.id,
      object: 'chat.completion',
      created: CREATED,
      model: body.model,
      system_fingerprint: 'fp_fake',
      service_tier: 'default',
      choices: [{ index: 0, message, logprobs: null, finish_reason: plan.finishReason }],
      usage: plan.usage,
    }, behaviourHeaders(b));
  }

  return startFakeServer<OpenAIBehaviour>({ apiKey, basePath: '/v1', port: opts.port, defaultBehaviour: opts.defaultBehaviour, handle });
}

interface ReplyPlan {
  id: string;
  chunks: string[];
  toolCalls: { id: string; name: string; args: string }[];
  finishReason: OpenAIFinishReason;
  usage: Record<string, unknown>;
}

function planReply(body: Record<string, unknown>, b: OpenAIBehaviour, n: number): ReplyPlan {
  const tools = Array.isArray(body.tools) ? (body.tools as { function?: { name?: string } }[]) : [];
  const toolCalls = tools.length && b.toolCalls?.length
    ? b.toolCalls.map((t, i) => ({
        id: t.id ?? `call_fake_${n}_${i}`,
        name: t.name ?? tools[0]?.function?.name ?? 'tool',
        args: argumentsJson(t.arguments),
      }))
    : [];
  const source = b.chunks ?? splitWords(b.text ?? (toolCalls.length ? '' : echoReply(body.messages)));
  const maxTokens = numberOr(body.max_completion_tokens, numberOr(body.max_tokens, undefined));
  const shaped = shapeReply(source, stopList(body.stop), maxTokens);
  const keptCalls = shaped.cut?.reason === 'length' ? [] : toolCalls;
  const finishReason: OpenAIFinishReason =
    b.finishReason ?? (shaped.cut?.reason === 'length' ? 'length' : keptCalls.length ? 'tool_calls' : 'stop');
  const prompt = b.usage?.inputTokens ?? countInputWords(body.messages);
  const completion = b.usage?.outputTokens ?? shaped.chunks.length + keptCalls.reduce((s, t) => s + 1 + splitArguments(t.args).length, 0);
  return {
    id: `chatcmpl-fake-${n}`,
    chunks: shaped.chunks,
    toolCalls: keptCalls,
    finishReason,
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: b.usage?.cacheReadTokens ?? 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
  };
}

async function streamReply(ex: Exchange<OpenAIBehaviour>, body: Record<string, unknown>, b: OpenAIBehaviour, plan: ReplyPlan): Promise<void> {
  const { res } = ex;
  const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const frame = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({
      id: plan.id,
      object: 'chat.completion.chunk',
      created: CREATED,
      model: body.model,
      system_fingerprint: 'fp_fake',
      choices,
      ...(includeUsage ? { usage: null } : {}),
      ...extra,
    })}\n\n`;
  const choice = (delta: Record<string, unknown>, finish: string | null = null) => [{ index: 0, delta, logprobs: null, finish_reason: finish }];

  const deltas: string[] = plan.chunks.map((c) => frame(choice({ content: c })));
  plan.toolCalls.forEach((t, index) => {
    deltas.push(frame(choice({ tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.name, arguments: '' } }] })));
    for (const part of splitArguments(t.args)) deltas.push(frame(choice({ tool_calls: [{ index, function: { arguments: part } }] })));
  });

  startSse(res, behaviourHeaders(b));
  const textless = plan.toolCalls.length > 0 && plan.chunks.length === 0;
  if (!writeFrame(res, frame(choice({ role: 'assistant', content: textless ? null : '', refusal: null })))) return;

  // Returns false when a scripted failure ends the stream at this point.
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
      writeFrame(res, `data: ${JSON.stringify({ error: { message: se.message ?? 'The server had an error while processing your request. Sorry about that!', type: se.type ?? 'server_error', param: null, code: null } })}\n\n`);
      res.end();
      return false;
    }
    return true;
  };

  for (let i = 0; i < deltas.length; i++) {
    if (!(await gate(i))) return;
    if (!(await ex.sleep(b.chunkDelayMs))) return;
    if (!writeFrame(res, deltas[i]!)) return;
  }
  if (!(await gate(deltas.length))) return;
  if (!writeFrame(res, frame(choice({}, plan.finishReason)))) return;
  if (includeUsage) writeFrame(res, frame([], { usage: plan.usage }));
  writeFrame(res, 'data: [DONE]\n\n');
  res.end();
}

function sendError(res: ServerResponse, status: number, spec: FakeErrorSpec & { param?: string }, headers: Record<string, string> = {}): void {
  const defaults = status === 429
    ? { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again later.' }
    : status >= 500
      ? { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' }
      : { type: 'invalid_request_error', code: null, message: `Request failed with status ${status}` };
  sendJson(res, status, {
    error: {
      message: spec.message ?? defaults.message,
      type: spec.type ?? defaults.type,
      param: spec.param ?? null,
      code: spec.code !== undefined ? spec.code : defaults.code,
    },
  }, headers);
}

function numberOr<T>(v: unknown, fallback: T): number | T {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
