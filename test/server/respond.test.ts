/** The response helpers (server/respond.ts) against a real HTTP server: what a client receives. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson, writeHead } from '../../daemon/src/server/respond.js';

/** One request to a server whose handler is `handle`; the status, the raw header lines and the body. */
async function respond(handle: (res: http.ServerResponse) => void): Promise<{ status: number; raw: string[]; body: string }> {
  const server = http.createServer((_req, res) => handle(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/' }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, raw: res.rawHeaders, body }));
        })
        .on('error', reject);
    });
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** The values a response carried for a header name, in order. */
function values(raw: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}

describe('server/respond', () => {
  it('writeHead: every set\'s headers, a name in a later set once with the later value', async () => {
    const r = await respond((res) => {
      writeHead(res, 202, { 'x-a': '1', 'x-b': 'first' }, { 'x-c': 3, 'x-b': 'second' }, { 'x-d': '4' });
      res.end('ok');
    });
    assert.equal(r.status, 202);
    assert.deepEqual(values(r.raw, 'x-a'), ['1']);
    assert.deepEqual(values(r.raw, 'x-b'), ['second']);
    assert.deepEqual(values(r.raw, 'x-c'), ['3']);
    assert.deepEqual(values(r.raw, 'x-d'), ['4']);
  });

  it('writeHead: headers set before with setHeader stay, unless a set names them', async () => {
    const r = await respond((res) => {
      res.setHeader('vary', 'origin');
      res.setHeader('x-b', 'early');
      writeHead(res, 200, { 'x-b': 'late' });
      res.end();
    });
    assert.deepEqual(values(r.raw, 'vary'), ['origin']);
    assert.deepEqual(values(r.raw, 'x-b'), ['late']);
  });

  it('sendJson: the body as JSON with its type and byte length, after the caller\'s headers', async () => {
    const r = await respond((res) => sendJson(res, 429, { error: { message: 'slow down — ünïcode' } }, { 'retry-after': '3' }, { 'content-type': 'text/plain' }));
    assert.equal(r.status, 429);
    assert.deepEqual(JSON.parse(r.body), { error: { message: 'slow down — ünïcode' } });
    assert.deepEqual(values(r.raw, 'retry-after'), ['3']);
    assert.deepEqual(values(r.raw, 'content-type'), ['application/json'], 'sendJson\'s own type is the later set');
    assert.deepEqual(values(r.raw, 'content-length'), [String(Buffer.byteLength(r.body))]);
  });
});
