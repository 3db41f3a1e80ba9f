/**
 * The OpenAI tier's HTTP exchange (providers/openai/exchange.ts) against a real HTTP server on loopback: the body
 * in order, backpressure on a reader that falls behind, aborts before and after the headers, and a reader that
 * stops early (the connection is closed, not reused half-read) or after the end (the connection is reused).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { Cancellation } from '../../daemon/src/gateway/cancel.js';
import { exchange } from '../../daemon/src/providers/openai/exchange.js';

interface Seen {
  remotePort: number;
  closedEarly: boolean;
}

/** A server whose handler for each request is `handle`; `seen` records each request's socket and outcome. */
async function server(handle: (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void) {
  const seen: Seen[] = [];
  const s = http.createServer((req, res) => {
    const entry: Seen = { remotePort: req.socket.remotePort!, closedEarly: false };
    seen.push(entry);
    res.on('close', () => {
      if (!res.writableFinished) entry.closedEarly = true;
    });
    req.resume();
    req.on('end', () => handle(req, res, entry));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => s.close(() => r())) };
}

const until = async (check: () => boolean, what: string, ms = 3000) => {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const post = { path: '/v1/chat/completions', method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: '{}' };

describe('providers/openai: the HTTP exchange', function () {
  this.timeout(20_000);

  it('gives the status, the headers and the body in order; a reader that stops after the end leaves the connection for reuse', async () => {
    const s = await server((_req, res) => {
      res.writeHead(201, { 'x-test': 'yes', 'content-type': 'text/plain' });
      let i = 0;
      const next = () => {
        if (i === 50) return res.end();
        res.write(`line ${i++}\n`);
        setImmediate(next);
      };
      next();
    });
    const pool = new Pool(s.url);
    try {
      const r = await exchange(pool, post, new Cancellation());
      assert.equal(r.statusCode, 201);
      assert.equal(r.headers['x-test'], 'yes');
      const text = await r.body.text();
      assert.equal(text, Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(''));
      r.body.destroy(); // after the end: nothing to cut
      for (let i = 0; i < 5; i++) await (await exchange(pool, post, new Cancellation())).body.text();
      // undici's pool alternates between two keep-alive connections for back-to-back requests (as it does through
      // pool.request); a body read to its end, or destroyed after it, never costs a new one.
      assert.equal(s.seen.length, 6);
      assert.ok(new Set(s.seen.map((x) => x.remotePort)).size <= 2, `connections: ${s.seen.map((x) => x.remotePort).join(' ')}`);
      assert.ok(s.seen.every((x) => !x.closedEarly));
    } finally {
      await pool.destroy();
      await s.close();
    }
  });

  it('pauses the socket while the reader is behind, then delivers every byte in order', async () => {
    const chunk = 'x'.repeat(16 * 1024);
    // 32 MB: more than the kernel's socket buffers hold (~4 MB here), so a reader that is not paused would take
    // it all in within the wait below.
    const total = 2048;
    let written = 0;
    const s = await server((_req, res) => {
      res.writeHead(200);
      const pump = () => {
        while (written < total) {
          const ok = res.write(`${String(written).padStart(8, '0')}${chunk.slice(8)}`);
          written++;
          if (!ok) return res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const pool = new Pool(s.url);
    try {
      const r = await exchange(pool, post, new Cancellation());
      // Nothing is read for a while: the server must be held back well before it has written everything.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const heldAt = written;
      assert.ok(heldAt < total / 2, `the server wrote ${heldAt} of ${total} chunks to a reader that read nothing`);
      const text = await r.body.text();
      assert.equal(text.length, total * chunk.length);
      for (let i = 0; i < total; i++) assert.equal(text.slice(i * chunk.length, i * chunk.length + 8), String(i).padStart(8, '0'));
    } finally {
      await pool.destroy();
      await s.close();
    }
  });

  it('an abort before the headers rejects with its reason; one after them fails the reader and closes the connection', async () => {
    const s = await server((req, res) => {
      if (req.url === '/slow') return setTimeout(() => res.end('late'), 2000);
      res.writeHead(200);
      res.write('first ');
      // …and nothing more until the client goes away.
    });
    const pool = new Pool(s.url);
    try {
      const before = new Cancellation();
      before.abort(new Error('gone before'));
      await assert.rejects(exchange(pool, post, before), /gone before/);

      // Aborted while a fresh pool is still connecting, before undici hands the request a controller.
      const fresh = new Pool(s.url);
      const connecting = new Cancellation();
      const opening = exchange(fresh, post, connecting);
      connecting.abort(new Error('gone while connecting'));
      await assert.rejects(opening, /gone while connecting/);
      await fresh.destroy();
      assert.equal(s.seen.length, 0, 'no request reached the server');

      const waiting = new Cancellation();
      const pending = exchange(pool, { ...post, path: '/slow' }, waiting);
      setTimeout(() => waiting.abort(new Error('gone while waiting')), 50);
      await assert.rejects(pending, /gone while waiting/);

      const during = new Cancellation();
      const r = await exchange(pool, post, during);
      const it = r.body[Symbol.asyncIterator]();
      assert.equal((await it.next()).value?.toString(), 'first ');
      const next = it.next();
      during.abort(new Error('gone mid-body'));
      await assert.rejects(next, /gone mid-body/);
      await until(() => s.seen.at(-1)!.closedEarly, 'the server saw the connection closed');
    } finally {
      await pool.destroy();
      await s.close();
    }
  });

  it('a reader that stops mid-body closes the connection instead of leaving it half-read', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200);
      res.write('part one ');
      // The rest never comes.
    });
    const pool = new Pool(s.url);
    try {
      const r = await exchange(pool, post, new Cancellation());
      for await (const chunk of r.body) {
        assert.equal(chunk.toString(), 'part one ');
        break;
      }
      r.body.destroy();
      await until(() => s.seen[0]!.closedEarly, 'the server saw the connection closed');
    } finally {
      await pool.destroy();
      await s.close();
    }
  });
});
