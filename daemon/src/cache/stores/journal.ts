/**
 * The embedded store's append-only journal: one JSON line per change since the last snapshot —
 * `{"op":"put","id":…,"entry":{…},"v":"<vector>"}` or `{"op":"del","id":…}` — appended once per flush batch.
 * A put's vector is base64 of its float32 values (little-endian), beside the entry rather than inside it as a
 * JSON array: writing 100 numbers as decimal text was most of an append's time and two-thirds of its bytes.
 * Lines written before that, with the vector inside the entry, are read as they are. Replaying
 * it over the snapshot is idempotent (a put upserts by id, a delete removes by id), which is what makes every
 * step of a compaction safe to crash in.
 */
import { open, readFile, truncate } from 'node:fs/promises';
import type { CacheEntry } from '../entry.js';
import { Pacer } from '../../pacer.js';

export type JournalOp = { op: 'put'; id: string; entry: CacheEntry } | { op: 'del'; id: string };

export interface JournalRead {
  ops: JournalOp[];
  /** Bytes of a torn last line (a crash mid-append) that were cut off; 0 when the file was whole. */
  tornBytes: number;
  /** Complete lines that did not decode (skipped). */
  badLines: number;
}

/** Bytes encoded per write when a batch is large. */
const CHUNK_BYTES = 256 * 1024;
/** Lines decoded between two yields when reading. */
const LINES_PER_TURN = 500;

export class Journal {
  /** Operations and bytes in the file (what the compaction bound looks at). */
  ops = 0;
  bytes = 0;
  /** Set when an append failed part-way: the file may end inside a line, so the next batch starts a new one. */
  private maybeTorn = false;

  constructor(readonly file: string) {}

  /**
   * Appends a batch: one write for a normal flush, a write per CHUNK_BYTES for a large one (thousands of entries
   * at once); the encoding is paced (see Pacer) so that a batch never holds the event loop for long.
   */
  async append(ops: readonly JournalOp[]): Promise<void> {
    if (ops.length === 0) return;
    const fh = await open(this.file, 'a', 0o600);
    const pacer = new Pacer();
    try {
      let chunk = this.maybeTorn ? '\n' : '';
      for (let i = 0; i < ops.length; i++) {
        if (pacer.due) await pacer.rest();
        chunk += `${encode(ops[i]!)}\n`;
        if (chunk.length >= CHUNK_BYTES || i === ops.length - 1) {
          this.maybeTorn = true;
          const buf = Buffer.from(chunk);
          for (let off = 0; off < buf.length; ) off += (await fh.write(buf, off)).bytesWritten;
          this.maybeTorn = false;
          this.bytes += buf.length;
          chunk = '';
        }
      }
    } finally {
      await fh.close();
    }
    this.ops += ops.length;
  }

  /**
   * Reads every complete operation. A torn last line is cut off the file (so that the next append starts on a
   * line of its own) and reported; a line that does not decode is skipped and counted.
   */
  async read(): Promise<JournalRead> {
    let buf: Buffer;
    try {
      buf = await readFile(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ops: [], tornBytes: 0, badLines: 0 };
      throw e;
    }
    const end = buf.lastIndexOf(0x0a) + 1;
    const tornBytes = buf.length - end;
    if (tornBytes) await truncate(this.file, end);
    const ops: JournalOp[] = [];
    let badLines = 0;
    let n = 0;
    for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
      if (!line) continue;
      try {
        const op = decode(line);
        if ((op.op === 'put' && typeof op.entry?.id === 'string') || (op.op === 'del' && typeof op.id === 'string')) ops.push(op);
        else badLines++;
      } catch {
        badLines++;
      }
      if (++n % LINES_PER_TURN === 0) await new Promise((r) => setImmediate(r));
    }
    this.ops = ops.length;
    this.bytes = end;
    return { ops, tornBytes, badLines };
  }

  /** Empties the file: everything in it is now in the snapshot. */
  async clear(): Promise<void> {
    const fh = await open(this.file, 'a');
    try {
      await fh.truncate(0);
      await fh.sync();
    } finally {
      await fh.close();
    }
    this.ops = 0;
    this.bytes = 0;
    this.maybeTorn = false;
  }
}

/** Applies operations to a map of entries by id (last writer wins, so applying twice changes nothing). */
export function replay(into: Map<string, CacheEntry>, ops: readonly JournalOp[]): void {
  for (const op of ops) {
    if (op.op === 'put') into.set(op.entry.id, op.entry);
    else into.delete(op.id);
  }
}

function encode(op: JournalOp): string {
  const vector = op.op === 'put' ? op.entry.vector : undefined;
  if (op.op !== 'put' || !Array.isArray(vector) || vector.length === 0) return JSON.stringify(op);
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  const { vector: _, ...entry } = op.entry;
  return JSON.stringify({ op: 'put', id: op.id, entry, v: bytes.toString('base64') });
}

function decode(line: string): JournalOp {
  const op = JSON.parse(line) as JournalOp & { v?: unknown };
  if (op?.op === 'put' && typeof op.v === 'string') {
    const bytes = Buffer.from(op.v, 'base64');
    const vector = new Array<number>(bytes.length >> 2);
    for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(i * 4);
    if (op.entry && typeof op.entry === 'object') op.entry.vector = vector;
    delete op.v;
  }
  return op;
}
