import type { IncomingMessage } from 'node:http';
import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';

/** Deeper bodies are refused: later stages walk them recursively (schemas, token estimates). */
export const MAX_JSON_DEPTH = 100;
/** How much of an over-limit body is read and discarded so the 413 reaches the client (no TCP reset). */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 10_000;

/**
 * Reads a JSON body: application/json required, the size limit enforced from Content-Length before reading
 * and while reading (chunked bodies), then parsed with a precise message on failure.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  const mime = type?.split(';')[0]?.trim().toLowerCase();
  if (mime !== 'application/json' && !mime?.endsWith('+json')) {
    void drain(req);
    throw new UnsupportedMediaTypeError(type);
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    void drain(req);
    throw new PayloadTooLargeError(limit);
  }
  const text = await readText(req, limit);
  if (text.trim() === '') throw new InvalidRequestError('The request body is empty; send a JSON object.');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InvalidRequestError(`The request body is not valid JSON: ${(e as Error).message}`, 'invalid_json');
  }
  if (depthExceeds(value, MAX_JSON_DEPTH)) throw new InvalidRequestError(`The request body nests deeper than ${MAX_JSON_DEPTH} levels.`, 'json_too_deep');
  return value;
}

function readText(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      cleanup();
      chunks.length = 0;
      void drain(req);
      reject(new PayloadTooLargeError(limit));
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * Reads and discards the rest of a refused body while the error is sent, keeping the connection open: closing
 * a socket with unread data makes TCP send a reset, and the client would see that instead of our 413/415.
 * Bounded in bytes and time; a body that goes on past that gets its connection cut.
 */
function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData);
      resolve();
    };
    const onData = (c: Buffer) => {
      seen += c.length;
      if (seen > DRAIN_MAX_BYTES) {
        req.destroy();
        done();
      }
    };
    const timer = setTimeout(() => {
      req.destroy();
      done();
    }, DRAIN_MAX_MS);
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.resume();
  });
}

/** Iterative, so that the check itself cannot overflow the stack. */
function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
