import type { CancelSignal } from '../../gateway/cancel.js';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { CanonicalEvent } from '../../gateway/canonical.js';
import type { Provider, ProviderCall, TierState, TierStatus } from '../provider.js';
import { ServiceUnavailableError } from '../../errors.js';
import { AsyncQueue } from './asyncQueue.js';
import { abortError, toGatewayError } from './errorMapping.js';
import { planGeneration, runGeneration } from './generation.js';
import { CONFIGURE_HINT, defaultThreads, loadLocalModel, type LoadResult, type LogFn } from './loader.js';
import { errorText } from './structuredOutput.js';

export type { LogFn, LogLevel } from './loader.js';

export interface LlamaCppProviderOptions {
  /** A .gguf file path, or an `hf:` URI downloaded on first start. Unset: the tier reports `unconfigured`. */
  modelPath?: string;
  /** The model id clients use (`local/<name>`). Default `default`. */
  name?: string;
  /** CPU threads. Default: available cores − 1, at least 1. */
  threads?: number;
  /** Context tokens per sequence. Default: the model's training context, at most 8192. */
  contextSize?: number;
  /** Generations served at once; further requests queue FIFO. Default 4. */
  sequences?: number;
  /** `'auto'` (default) uses a GPU when one is usable; `false` forces CPU. */
  gpu?: boolean | 'auto';
  /** Folder for hf: downloads. Default `$SWITCHBOARD_HOME/models` (`~/.switchboard/models`). */
  modelsDir?: string;
  log?: LogFn;
  /** Id source for tool calls (injected in tests). Default `call_<24 hex>`. */
  newToolCallId?: () => string;
}

/**
 * The `local` tier: a GGUF model run in-process by node-llama-cpp. Loading starts in the background at
 * creation; requests made while it loads wait for it.
 *
 * @example
 * const local = createLlamaCppProvider({ modelPath: process.env.SWITCHBOARD_LOCAL_MODEL });
 * for await (const event of local.stream({ request, model: 'default', signal })) …
 */
export function createLlamaCppProvider(options: LlamaCppProviderOptions = {}): Provider {
  return new LlamaCppProvider(options);
}

class LlamaCppProvider implements Provider {
  readonly id = 'local';
  private state: TierState;
  private detail: string;
  private loaded: LoadResult | undefined;
  private readonly loading: Promise<void>;
  private readonly loadAbort = new AbortController();
  private readonly active = new Set<{ controller: AbortController; done: Promise<void> }>();
  private closing: Promise<void> | undefined;
  private readonly name: string;
  private readonly log: LogFn;
  private readonly newToolCallId: () => string;

  constructor(private readonly options: LlamaCppProviderOptions) {
    this.name = options.name ?? 'default';
    this.log = options.log ?? (() => undefined);
    this.newToolCallId = options.newToolCallId ?? (() => `call_${randomBytes(12).toString('hex')}`);
    const modelPath = options.modelPath?.trim();
    if (!modelPath) {
      this.state = 'unconfigured';
      this.detail = `No local model is configured. ${CONFIGURE_HINT}`;
      this.loading = Promise.resolve();
      return;
    }
    this.state = 'loading';
    this.detail = `Loading ${modelPath} …`;
    // Deferred so that creating the provider returns at once; never rejects (failures become state 'error').
    this.loading = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.load(modelPath));
  }

  status(): TierStatus {
    return {
      id: this.id,
      // A loading tier serves requests (they wait for the load), so routing may already pick it.
      available: this.state === 'ready' || this.state === 'loading',
      state: this.state,
      detail: this.detail,
      models: [this.name],
    };
  }

  async *stream(call: ProviderCall): AsyncIterable<CanonicalEvent> {
    const m = await this.whenReady(call.signal);
    const plan = await planGeneration(m, call.request).catch((e: unknown) => {
      throw toGatewayError(e, call.signal);
    });

    // The generation runs on its own controller: aborted by the caller's signal, or by this generator's
    // return (the consumer broke out of its loop). Either way the job releases its sequence by itself,
    // even if the consumer never resumes the generator.
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(call.signal.reason);
    if (call.signal.aborted) onAbort();
    else call.signal.addEventListener('abort', onAbort, { once: true });
    const queue = new AsyncQueue<CanonicalEvent>();
    const job = {
      controller,
      done: runGeneration(m, plan, controller.signal, queue, this.newToolCallId).finally(() => {
        call.signal.removeEventListener('abort', onAbort);
        this.active.delete(job);
      }),
    };
    this.active.add(job);
    try {
      yield* queue;
    } finally {
      if (!controller.signal.aborted) controller.abort(new Error('The consumer stopped reading the stream.'));
      await job.done;
    }
  }

  /** The model's own tokenizer; undefined while it loads (the gateway then estimates). */
  async countTokens(text: string): Promise<number | undefined> {
    return this.loaded?.model.tokenize(text).length;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const closed = new ServiceUnavailableError('The local model is shutting down.');
    this.loadAbort.abort(closed);
    await this.loading;
    const m = this.loaded;
    this.loaded = undefined;
    if (this.state === 'ready' || this.state === 'loading') {
      this.state = 'error';
      this.detail = 'The local model was closed.';
    }
    if (!m) return;
    m.pool.rejectAll(closed);
    for (const job of this.active) job.controller.abort(closed);
    await Promise.all([...this.active].map((job) => job.done));
    await m.context.dispose().catch(() => undefined);
    await m.model.dispose().catch(() => undefined);
    await m.llama.dispose().catch(() => undefined);
  }

  private async load(modelPath: string): Promise<void> {
    const started = Date.now();
    const threads = this.options.threads ?? defaultThreads();
    const sequences = this.options.sequences ?? 4;
    try {
      const m = await loadLocalModel(
        {
          modelPath,
          threads,
          sequences,
          contextSize: this.options.contextSize,
          gpu: this.options.gpu ?? 'auto',
          modelsDir: this.options.modelsDir ?? defaultModelsDir(),
        },
        this.loadAbort.signal,
        this.log,
      );
      if (this.loadAbort.signal.aborted) {
        await m.context.dispose();
        await m.model.dispose();
        await m.llama.dispose();
        return;
      }
      this.loaded = m;
      this.state = 'ready';
      this.detail =
        `${path.basename(m.file)} via node-llama-cpp (${m.llama.gpu || 'CPU'}, ${threads} thread${threads === 1 ? '' : 's'}, ` +
        `context ${m.context.contextSize} tokens × ${sequences} sequences).`;
      this.log('info', 'local tier ready', { ms: Date.now() - started });
    } catch (e) {
      if (this.loadAbort.signal.aborted) return;
      this.state = 'error';
      this.detail = `Could not load the local model: ${errorText(e)}. ${CONFIGURE_HINT}`;
      this.log('error', 'local model failed to load', { modelPath, error: errorText(e) });
    }
  }

  /** Waits out a load in progress; throws ServiceUnavailableError (with the reason) when the tier cannot serve. */
  private async whenReady(signal: CancelSignal): Promise<NonNullable<LlamaCppProvider['loaded']>> {
    if (this.state === 'loading') {
      if (signal.aborted) throw signal.reason;
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(abortError(signal.reason));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([this.loading, aborted]);
      } finally {
        signal.removeEventListener('abort', onAbort!);
      }
    }
    if (signal.aborted) throw abortError(signal.reason);
    if (this.closing || !this.loaded) throw new ServiceUnavailableError(this.detail);
    return this.loaded;
  }
}

function defaultModelsDir(): string {
  return path.join(process.env.SWITCHBOARD_HOME ?? path.join(os.homedir(), '.switchboard'), 'models');
}
