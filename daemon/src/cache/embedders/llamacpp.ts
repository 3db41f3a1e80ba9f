/**
 * A local embedding model through node-llama-cpp: any GGUF embedding model the user points at (bge, nomic-embed,
 * all-MiniLM …). A file path is used as is; an `hf:` URI is downloaded into `modelsDir` on first use where there
 * is internet. Loads in the background; until then the cache matches exactly only.
 */
import path from 'node:path';
import type { Llama, LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import { normalize, type Embedder } from './embedder.js';

export class LlamaCppEmbedder implements Embedder {
  readonly id: string;
  private llama?: Llama;
  private model?: LlamaModel;
  private context?: LlamaEmbeddingContext;
  private readonly loading: Promise<void>;
  /** llama.cpp embeds one text at a time per context: requests queue here. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly modelRef: string,
    private readonly modelsDir: string,
    onError?: (e: unknown) => void,
  ) {
    this.id = `llamacpp:${path.basename(modelRef)}`;
    this.loading = this.load();
    this.loading.catch((e: unknown) => onError?.(e));
  }

  private async load(): Promise<void> {
    const lib = await import('node-llama-cpp');
    const file = this.modelRef.startsWith('hf:') ? await lib.resolveModelFile(this.modelRef, { directory: this.modelsDir, cli: false }) : this.modelRef;
    this.llama = await lib.getLlama({ build: 'never', gpu: 'auto', progressLogs: false, logLevel: lib.LlamaLogLevel.error });
    this.model = await this.llama.loadModel({ modelPath: file });
    this.context = await this.model.createEmbeddingContext();
  }

  ready(): Promise<void> {
    return this.loading;
  }

  isReady(): boolean {
    return this.context !== undefined;
  }

  async embed(text: string): Promise<Float32Array | undefined> {
    await this.loading;
    const run = this.queue.then(() => this.context!.getEmbeddingFor(text));
    this.queue = run.catch(() => {});
    const e = await run;
    return normalize(Float32Array.from(e.vector));
  }

  async close(): Promise<void> {
    await this.loading.catch(() => {});
    await this.context?.dispose();
    await this.model?.dispose();
    await this.llama?.dispose();
  }
}
