/**
 * The embedded store's snapshot, in vectra's on-disk format: `<folder>/index.json` =
 * `{"version":1,"metadata_config":{},"items":[{id, metadata: {entry}, vector, norm}, …]}`, the entry (without
 * its vector) as a JSON string in `metadata.entry`, as the store has always written it.
 *
 * Read and written here rather than through vectra's LocalIndex, keeping the format: LocalIndex can only write
 * with one JSON.stringify of the whole index (the event loop stalls for it: see bench/cacheStore.ts), keeps every
 * item in memory after a read, and importing it costs ≈30 MB of RSS for an NLP model only its BM25 search uses.
 * Here the file is written in chunks with one item per line (still one JSON document, which vectra reads: tested)
 * so that writing and reading yield to the event loop between chunks; a file written by vectra itself (older
 * versions of this store) has no line breaks and is parsed whole.
 */
import type { FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { CacheEntry } from '../entry.js';
import { Pacer } from '../../pacer.js';

export const INDEX_FILE = 'index.json';
const HEADER = '{"version":1,"metadata_config":{},"items":[';
const FOOTER = ']}';
/** Bytes handed to one write (the encoding between writes is paced: see Pacer). */
const CHUNK_BYTES = 64 * 1024;

interface VectraItem {
  id: string;
  metadata: { entry: string };
  vector: number[];
  norm: number;
}

export interface SnapshotContent {
  /** Entries that could be decoded (stale ones included: the caller decides). */
  entries: CacheEntry[];
  /** Items whose metadata could not be decoded (skipped). */
  skipped: number;
  bytes: number;
}

/** Raised when the file is not a complete vectra index (a torn or foreign file). */
export class SnapshotDamagedError extends Error {
  override readonly name = 'SnapshotDamagedError';
}

export const snapshotFile = (folder: string) => path.join(folder, INDEX_FILE);

function toItem(e: CacheEntry): VectraItem {
  const { vector, ...rest } = e;
  const v = vector ?? [];
  let sum = 0;
  for (const x of v) sum += x * x;
  // vectra's ItemSelector.normalize: the vector's length, stored next to it for its cosine.
  return { id: e.id, metadata: { entry: JSON.stringify(rest) }, vector: v, norm: Math.sqrt(sum) };
}

function fromItem(item: VectraItem): CacheEntry | undefined {
  try {
    const entry = JSON.parse(item.metadata.entry) as CacheEntry;
    if (typeof entry?.id !== 'string') return undefined;
    return Array.isArray(item.vector) && item.vector.length ? { ...entry, vector: item.vector } : entry;
  } catch {
    return undefined;
  }
}

/**
 * Writes `entries` as a complete vectra index in `folder` (created), flushed to the disk before it returns so
 * that a rename of the folder afterwards never exposes a half-written file. `entries` is read as the items are
 * encoded, in paced slices (an item is ~20–40 µs, most of it its vector as decimal text), so an iterable over
 * live entries is never taken in one pass and requests keep their share of the event loop meanwhile.
 */
export async function writeSnapshot(folder: string, entries: Iterable<CacheEntry>): Promise<{ bytes: number; items: number }> {
  await mkdir(folder, { recursive: true });
  const fh = await open(snapshotFile(folder), 'w', 0o600);
  let bytes = 0;
  let items = 0;
  const pacer = new Pacer();
  try {
    let chunk = HEADER;
    for (const entry of entries) {
      chunk += (items++ === 0 ? '\n' : ',\n') + JSON.stringify(toItem(entry));
      if (chunk.length >= CHUNK_BYTES) {
        bytes += await writeAll(fh, chunk);
        chunk = '';
      }
      if (pacer.due) await pacer.rest();
    }
    bytes += await writeAll(fh, `${chunk}\n${FOOTER}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { bytes, items };
}

async function writeAll(fh: FileHandle, s: string): Promise<number> {
  const buf = Buffer.from(s);
  let off = 0;
  while (off < buf.length) off += (await fh.write(buf, off)).bytesWritten;
  return buf.length;
}

/** Reads the index in `folder`; undefined when there is none. Throws SnapshotDamagedError on a damaged file. */
export async function readSnapshot(folder: string): Promise<SnapshotContent | undefined> {
  const file = snapshotFile(folder);
  let bytes: number;
  try {
    bytes = (await stat(file)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const content: SnapshotContent = { entries: [], skipped: 0, bytes };
  const add = (item: VectraItem) => {
    const e = fromItem(item);
    if (e) content.entries.push(e);
    else content.skipped++;
  };
  // Streamed line by line: a 64 KB read at a time, so the event loop turns between a few dozen items.
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  let legacy: string[] | undefined;
  let ended = false;
  for await (const line of lines) {
    if (n++ === 0 && line !== HEADER) legacy = [];
    if (legacy) legacy.push(line);
    else if (n === 1 || line === '') continue;
    else if (ended) throw new SnapshotDamagedError('the index has content after its end');
    else if (line === FOOTER) ended = true;
    else {
      let item: VectraItem;
      try {
        item = JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line) as VectraItem;
      } catch (e) {
        throw new SnapshotDamagedError(`item ${n - 1} is not JSON (torn write?): ${(e as Error).message}`);
      }
      add(item);
    }
  }
  if (legacy) for (const item of itemsWhole(legacy.join('\n'))) add(item);
  else if (!ended) throw new SnapshotDamagedError('the index ends early (torn write)');
  return content;
}

/** A file written by vectra itself (earlier versions of this store): one JSON document, parsed whole. */
function itemsWhole(text: string): VectraItem[] {
  let data: { items?: unknown };
  try {
    data = JSON.parse(text) as { items?: unknown };
  } catch (e) {
    throw new SnapshotDamagedError(`the index is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(data?.items)) throw new SnapshotDamagedError('the index has no items list');
  return data.items as VectraItem[];
}
