import type { ServerResponse } from 'node:http';

/**
 * Writes the status line with each set of headers in turn (a later set wins). The sets are not merged into a
 * copy first: on the request path V8 promoted such spread copies to the old generation, which the mark-compacts
 * behind the P99 then collect (bench/gcUnderLoad.ts, "promoted KB/req").
 */
export function writeHead(res: ServerResponse, status: number, ...headerSets: Readonly<Record<string, string | number>>[]): void {
  for (const set of headerSets) for (const name in set) res.setHeader(name, set[name]!);
  res.writeHead(status);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, ...headerSets: Readonly<Record<string, string>>[]): void {
  const text = JSON.stringify(body);
  writeHead(res, status, ...headerSets, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Writes one chunk and waits when the socket's buffer is full, so a slow reader slows the upstream instead of
 * growing memory. Resolves false when the client went away while we waited.
 */
export function writeWithBackpressure(res: ServerResponse, chunk: string): Promise<boolean> | boolean {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;
