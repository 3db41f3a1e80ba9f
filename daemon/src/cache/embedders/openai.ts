/** OpenAI's embeddings API (or any compatible endpoint), when a key is set. One call per lookup that misses exactly. */
import OpenAI from 'openai';
import { normalize, type Embedder } from './embedder.js';

export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  private readonly client: OpenAI;

  constructor(
    private readonly model: string,
    opts: { apiKey: string; baseURL?: string; timeoutMs?: number },
  ) {
    this.id = `openai:${model}`;
    this.client = new OpenAI({ apiKey: opts.apiKey, ...(opts.baseURL && { baseURL: opts.baseURL }), maxRetries: 0, timeout: opts.timeoutMs ?? 5000 });
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  isReady(): boolean {
    return true;
  }

  async embed(text: string): Promise<Float32Array | undefined> {
    const res = await this.client.embeddings.create({ model: this.model, input: text, encoding_format: 'float' });
    const v = res.data[0]?.embedding;
    return v ? normalize(Float32Array.from(v)) : undefined;
  }

  async close(): Promise<void> {}
}
