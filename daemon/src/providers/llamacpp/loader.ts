import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Llama, LlamaContext, LlamaLogLevel, LlamaModel } from 'node-llama-cpp';
import type { LoadedModel } from './generation.js';
import { SequencePool } from './sequencePool.js';
import { StructuredOutput, errorText } from './structuredOutput.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

/** How a user enables the local tier; part of every status and error that says it is not usable. */
export const CONFIGURE_HINT =
  'Set SWITCHBOARD_LOCAL_MODEL=/path/to/model.gguf, or providers.local.model in switchboard.yaml: ' +
  'a path to a .gguf file, or an hf: URI (e.g. hf:<user>/<repo>/<file>.gguf) that is downloaded, with a progress bar, ' +
  'on first start when the machine has internet.';

export interface LoadSettings {
  modelPath: string;
  threads: number;
  contextSize?: number;
  sequences: number;
  gpu: boolean | 'auto';
  /** Where hf: downloads go. */
  modelsDir: string;
}

export interface LoadResult extends LoadedModel {
  llama: Llama;
  file: string;
}

/** Default threads: every available core but one (node-llama-cpp's default of 4 collapses on 2-core machines). */
export function defaultThreads(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

/**
 * Resolves the model file, then starts llama.cpp, loads the model and creates the one shared context.
 * Whatever was created is disposed again if a later step fails or `signal` aborts.
 */
export async function loadLocalModel(settings: LoadSettings, signal: AbortSignal, log: LogFn): Promise<LoadResult> {
  // Imported here, not at the top: the import alone takes ~1 s, which the daemon must not wait for to start.
  const lib = await import('node-llama-cpp');
  const file = await resolveModelPath(lib, settings, signal);
  signal.throwIfAborted();

  let llama: Llama | undefined;
  let model: LlamaModel | undefined;
  let context: LlamaContext | undefined;
  try {
    try {
      llama = await lib.getLlama({
        build: 'never',
        gpu: settings.gpu === true ? 'auto' : settings.gpu,
        maxThreads: settings.threads,
        progressLogs: false,
        logLevel: lib.LlamaLogLevel.warn,
        logger: (level, message) => log(mapLevel(lib, level), message.trim(), { component: 'llama.cpp' }),
      });
    } catch (e) {
      if (e instanceof lib.NoBinaryFoundError) {
        throw new Error(
          `no prebuilt llama.cpp binary for ${process.platform}-${process.arch} (install node-llama-cpp's @node-llama-cpp/${process.platform}-${process.arch} package)`,
        );
      }
      throw e;
    }
    signal.throwIfAborted();
    model = await llama.loadModel({ modelPath: file, loadSignal: signal });
    context = await model.createContext({
      sequences: settings.sequences,
      contextSize: settings.contextSize ?? { max: Math.min(model.trainContextSize, 8192) },
      threads: settings.threads,
      createSignal: signal,
    });
    const chatWrapper = lib.resolveChatWrapper(model);
    log('info', 'local model ready', {
      file,
      chatWrapper: chatWrapper.wrapperName,
      gpu: llama.gpu || 'cpu',
      threads: settings.threads,
      contextSize: context.contextSize,
      sequences: settings.sequences,
    });
    return {
      lib,
      llama,
      model,
      context,
      chatWrapper,
      file,
      pool: new SequencePool(context, settings.sequences),
      structured: new StructuredOutput(llama),
    };
  } catch (e) {
    await context?.dispose().catch(() => undefined);
    await model?.dispose().catch(() => undefined);
    await llama?.dispose().catch(() => undefined);
    throw e;
  }
}

async function resolveModelPath(lib: typeof import('node-llama-cpp'), settings: LoadSettings, signal: AbortSignal): Promise<string> {
  const uri = settings.modelPath;
  if (/^(hf:|https?:\/\/)/i.test(uri)) {
    try {
      return await lib.resolveModelFile(uri, { directory: settings.modelsDir, cli: true, signal });
    } catch (e) {
      throw new Error(`could not download ${uri}: ${errorText(e)}`);
    }
  }
  const file = path.resolve(uri);
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new Error(`model file not found: ${file}`);
  }
  if (!info.isFile()) throw new Error(`model path is not a file: ${file}`);
  return file;
}

function mapLevel(lib: typeof import('node-llama-cpp'), level: LlamaLogLevel): LogLevel {
  switch (level) {
    case lib.LlamaLogLevel.fatal:
    case lib.LlamaLogLevel.error:
      return 'error';
    case lib.LlamaLogLevel.warn:
      return 'warn';
    case lib.LlamaLogLevel.info:
      return 'info';
    default:
      return 'debug';
  }
}
