import type { IncomingMessage } from 'node:http';
import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';

/**
 * Reads a JSON body: application/json required, the size limit enforced from Content-Length before reading
 * and while reading (chunked bodies), then parsed with a precise message on failure.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  const mime = type?.split(';')[0]?.trim().toLowerCase();
  if (mime !== 'application/json' && !mime?.endsWith('+json')) throw new UnsupportedMediaTypeError(type);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new PayloadTooLargeError(limit);

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new PayloadTooLargeError(limit);
    chunks.push(chunk);
  }
  const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new InvalidRequestError('The request body is empty; send a JSON object.');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidRequestError(`The request body is not valid JSON: ${(e as Error).message}`, 'invalid_json');
  }
}
