import type { ChatHistoryItem, ChatWrapper, LlamaChatResponse, LlamaContext, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import type { CanonicalEvent, CanonicalRequest, FinishReason, ResponseFormat } from '../../gateway/canonical.js';
import { GatewayError, InvalidRequestError, UpstreamError } from '../../errors.js';
import type { AsyncQueue } from './asyncQueue.js';
import { toGatewayError } from './errorMapping.js';
import { toChatHistory } from './history.js';
import type { SequencePool } from './sequencePool.js';
import type { StructuredOutput } from './structuredOutput.js';
import { parseForcedCall, planTools, type ToolPlan } from './tools.js';

/** What a generation needs from the loaded model; built once by the loader. */
export interface LoadedModel {
  /** node-llama-cpp's runtime module, imported lazily so that the daemon starts without paying for it. */
  lib: typeof import('node-llama-cpp');
  model: LlamaModel;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
  pool: SequencePool;
  structured: StructuredOutput;
}

/** A request translated for node-llama-cpp, ready to run once a sequence is free. */
export interface GenerationPlan {
  history: ChatHistoryItem[];
  promptTokens: number;
  maxTokens: number;
  tools: ToolPlan;
  grammar?: LlamaGrammar;
  responseFormat?: ResponseFormat;
  request: CanonicalRequest;
}

/** Validates and translates a request; throws InvalidRequestError before any sequence is taken. */
export async function planGeneration(m: LoadedModel, request: CanonicalRequest): Promise<GenerationPlan> {
  const tools = planTools(request);
  const systemParts = [request.system];
  let grammar: LlamaGrammar | undefined;
  let responseFormat = request.responseFormat;

  if (tools.kind === 'forced') {
    systemParts.push(tools.instructions);
    grammar = await m.structured.schemaGrammar(tools.schema, 'the tools\' parameters');
    responseFormat = undefined; // the reply is a tool call, not the requested format
  } else if (tools.kind === 'functions') {
    // Fail fast with a clear 400 for a parameter schema llama.cpp cannot compile (also warms the cache).
    for (const tool of request.tools ?? []) await m.structured.schemaGrammar(tool.parameters, `the parameters of tool "${tool.name}"`);
    // node-llama-cpp cannot combine function calling with a grammar: the format is only validated afterwards.
  } else {
    grammar = await m.structured.grammarFor(responseFormat);
  }
  if (responseFormat?.type === 'json_schema') {
    systemParts.push(`Reply only with JSON that matches this JSON schema: ${JSON.stringify(responseFormat.schema)}`);
  } else if (responseFormat?.type === 'json_object') {
    systemParts.push('Reply only with a JSON object.');
  }

  const history = toChatHistory(systemParts.filter(Boolean).join('\n\n') || undefined, request.messages);
  const promptTokens = m.chatWrapper
    .generateContextState({
      chatHistory: history,
      ...(tools.kind === 'functions' ? { availableFunctions: tools.functions, documentFunctionParams: true } : {}),
    })
    .contextText.tokenize(m.model.tokenizer).length;
  const room = m.context.contextSize - promptTokens;
  if (room <= 0) {
    throw new InvalidRequestError(
      `The prompt is ${promptTokens} tokens, more than the local model's context of ${m.context.contextSize} tokens.`,
      'context_length_exceeded',
    );
  }
  // Never more than the context has room for: a huge max_tokens would otherwise tie up a sequence for as long
  // as the model keeps generating.
  const maxTokens = Math.min(request.maxTokens ?? room, room);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new InvalidRequestError('maxTokens must be a positive integer.');
  }
  return { history, promptTokens, maxTokens, tools, grammar, responseFormat, request };
}

/**
 * Runs one generation on a pooled sequence and reports it into `queue`: text / tool call events, then one
 * finish, or a GatewayError. Never rejects. The sequence is released (awaited) before the queue ends, so
 * a consumer that has seen the end can rely on the slot being free again.
 */
export async function runGeneration(
  m: LoadedModel,
  plan: GenerationPlan,
  signal: AbortSignal,
  queue: AsyncQueue<CanonicalEvent>,
  newToolCallId: () => string,
): Promise<void> {
  let outcome: { error: unknown } | undefined;
  let sequence;
  try {
    sequence = await m.pool.acquire(signal);
  } catch (e) {
    queue.fail(toGatewayError(e, signal));
    return;
  }
  const chat = new m.lib.LlamaChat({ contextSequence: sequence, chatWrapper: m.chatWrapper });
  try {
    const { request, tools } = plan;
    let text = '';
    const onTextChunk = (chunk: string): void => {
      text += chunk;
      if (chunk && tools.kind !== 'forced') queue.push({ type: 'text', text: chunk });
    };
    const started = new Set<number>();
    const common = {
      signal,
      maxTokens: plan.maxTokens,
      onTextChunk,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { topP: request.topP } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.stop?.length ? { customStopTriggers: request.stop } : {}),
    };

    let response: Pick<LlamaChatResponse, 'metadata'> & { functionCalls?: Array<{ functionName: string; params: unknown }> };
    if (tools.kind === 'functions') {
      response = await chat.generateResponse(plan.history, {
        ...common,
        functions: tools.functions,
        documentFunctionParams: true,
        ...(tools.maxParallel ? { maxParallelFunctionCalls: tools.maxParallel } : {}),
        onFunctionCallParamsChunk: (chunk) => {
          if (!started.has(chunk.callIndex)) {
            started.add(chunk.callIndex);
            queue.push({ type: 'tool_call_start', index: chunk.callIndex, id: newToolCallId(), name: chunk.functionName });
          }
          if (chunk.paramsChunk) queue.push({ type: 'tool_call_delta', index: chunk.callIndex, arguments: chunk.paramsChunk });
        },
      });
    } else {
      response = await chat.generateResponse(plan.history, { ...common, ...(plan.grammar ? { grammar: plan.grammar } : {}) });
    }

    const meta = response.metadata;
    let reason: FinishReason = meta.stopReason === 'maxTokens' ? 'length' : 'stop';
    let stopSequence: string | undefined;
    if (meta.stopReason === 'customStopTrigger') {
      stopSequence = meta.customStopTrigger.filter((t): t is string => typeof t === 'string').join('');
    }

    const calls = response.functionCalls ?? [];
    calls.forEach((call, index) => {
      // Calls whose parameters were not streamed (a function without parameters) are reported whole here.
      if (started.has(index)) return;
      queue.push({ type: 'tool_call_start', index, id: newToolCallId(), name: call.functionName });
      queue.push({ type: 'tool_call_delta', index, arguments: JSON.stringify(call.params ?? {}) });
    });
    if (calls.length > 0) reason = 'tool_calls';

    if (tools.kind === 'forced') {
      const call = parseForcedCall(text);
      if (!call || !tools.names.includes(call.name)) {
        throw new UpstreamError(
          `Invalid structured output: the local model did not produce a complete tool call${reason === 'length' ? ` within maxTokens=${plan.maxTokens}` : ''}.`,
          undefined,
          'invalid_output',
        );
      }
      queue.push({ type: 'tool_call_start', index: 0, id: newToolCallId(), name: call.name });
      queue.push({ type: 'tool_call_delta', index: 0, arguments: call.arguments });
      reason = 'tool_calls';
    } else if (calls.length === 0) {
      try {
        m.structured.validate(plan.responseFormat, text);
      } catch (e) {
        if (e instanceof GatewayError && reason === 'length') {
          throw new UpstreamError(`${e.message} Generation stopped at maxTokens=${plan.maxTokens}.`, undefined, e.code);
        }
        throw e;
      }
    }

    queue.push({
      type: 'finish',
      reason,
      usage: { inputTokens: plan.promptTokens, outputTokens: sequence.tokenMeter.usedOutputTokens },
      ...(stopSequence !== undefined ? { stopSequence } : {}),
    });
  } catch (e) {
    outcome = { error: toGatewayError(e, signal) };
  } finally {
    chat.dispose({ disposeSequence: false });
    await m.pool.release(sequence);
  }
  if (outcome) queue.fail(outcome.error);
  else queue.end();
}
