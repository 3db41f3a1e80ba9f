/**
 * Local tier: tokens/s through the gateway (OpenAI door, streaming) against node-llama-cpp called directly in
 * this process, with the same model file, threads, context size and chat wrapper, and the same generation
 * call the provider makes (a fresh sequence and a LlamaChat per request, greedy sampling). Alternating rounds.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { tinyModelPath } from '../../test/helpers/paths.js';
import type { DaemonUnderTest } from '../daemonProcess.js';

export const LOCAL_MODEL = tinyModelPath;
export const LOCAL_THREADS = 1;
/** The provider's default: four parallel sequences in one context. */
const SEQUENCES = 4;
const PROMPT = 'Write a long story about a lighthouse keeper and the ships she saw.';

export interface Generation {
  tokens: number;
  seconds: number;
}

export function localModelPresent(): boolean {
  return existsSync(LOCAL_MODEL);
}

/** The switchboard.yaml fragment for the gateway side. */
export function localTierYaml(): string {
  return `providers: { local: { model: ${JSON.stringify(LOCAL_MODEL)}, threads: ${LOCAL_THREADS}, sequences: ${SEQUENCES} } }\n`;
}

/** Waits until /health reports the local tier ready; returns ms waited. */
export async function waitLocalReady(d: DaemonUnderTest, timeoutMs = 60_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const health = (await (await fetch(`${d.url}/health`)).json()) as { tiers: { id: string; state: string; detail?: string }[] };
    const local = health.tiers.find((t) => t.id === 'local');
    if (local?.state === 'ready') return performance.now() - started;
    if (local?.state === 'error') throw new Error(`local tier failed: ${local.detail}`);
    if (performance.now() - started > timeoutMs) throw new Error('local tier not ready in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * One streamed generation through the gateway; tokens as its final usage chunk reports them. The client is
 * undici (the suite's load generator, bench/perf/load.ts) reading the body as it arrives: `fetch` + `text()`
 * costs the client ~2× the CPU per chunk (WHATWG streams), and on two cores that CPU is taken from the model
 * (measured: 88 % of direct with fetch, 93 % with undici, same daemon).
 */
export async function viaGateway(d: DaemonUnderTest, maxTokens: number): Promise<Generation> {
  const started = performance.now();
  const res = await request(`${d.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${d.masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'local/default', messages: [{ role: 'user', content: PROMPT }], max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } }),
  });
  // Only the tail matters (the usage chunk comes last); keeping it short keeps the client's work per chunk flat.
  let tail = '';
  for await (const chunk of res.body) tail = (tail + (chunk as Buffer).toString('utf8')).slice(-1000);
  const seconds = (performance.now() - started) / 1000;
  if (res.statusCode !== 200) throw new Error(`local via gateway: HTTP ${res.statusCode}: ${tail}`);
  const usage = /"completion_tokens":(\d+)/.exec(tail);
  if (!usage) throw new Error('local via gateway: no usage in the stream');
  return { tokens: Number(usage[1]), seconds };
}

export interface DirectLlama {
  generate(maxTokens: number): Promise<Generation>;
  close(): Promise<void>;
}

/** node-llama-cpp loaded in this process the way the provider loads it (see providers/llamacpp/loader.ts). */
export async function loadDirect(): Promise<DirectLlama> {
  const lib = await import('node-llama-cpp');
  const llama = await lib.getLlama({ build: 'never', gpu: 'auto', maxThreads: LOCAL_THREADS, progressLogs: false, logLevel: lib.LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: LOCAL_MODEL });
  const context = await model.createContext({ sequences: SEQUENCES, contextSize: { max: Math.min(model.trainContextSize, 8192) }, threads: LOCAL_THREADS });
  const chatWrapper = lib.resolveChatWrapper(model);
  return {
    async generate(maxTokens) {
      const started = performance.now();
      const sequence = context.getSequence();
      const chat = new lib.LlamaChat({ contextSequence: sequence, chatWrapper });
      try {
        // The history ends with an empty model turn, as the provider's (providers/llamacpp/history.ts) does.
        await chat.generateResponse([{ type: 'user', text: PROMPT }, { type: 'model', response: [] }], { maxTokens, onTextChunk: () => {} });
        return { tokens: sequence.tokenMeter.usedOutputTokens, seconds: (performance.now() - started) / 1000 };
      } finally {
        chat.dispose({ disposeSequence: false });
        await sequence.dispose();
      }
    },
    async close() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
