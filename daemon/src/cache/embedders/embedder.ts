/** What the semantic cache needs from an embedding model. */
export interface Embedder {
  /**
   * Names the model and its settings (`wink-sg-100d@100k`, `openai:text-embedding-3-small`): entries remember
   * it, and vectors from different embedders are never compared.
   */
  readonly id: string;
  /** Resolves once the embedder can answer (loading, converting); rejects when it never will. */
  ready(): Promise<void>;
  /** True once ready() has resolved: until then lookups skip the semantic tier instead of waiting. */
  isReady(): boolean;
  /** An L2-normalised vector, or undefined when the text has nothing the model can embed. */
  embed(text: string): Promise<Float32Array | undefined>;
  close(): Promise<void>;
}

/** Scales a vector to unit length in place; undefined for the zero vector. */
export function normalize(v: Float32Array): Float32Array | undefined {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  if (s === 0 || !Number.isFinite(s)) return undefined;
  const k = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! *= k;
  return v;
}
