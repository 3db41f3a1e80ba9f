import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { DaemonClient, DaemonHttpError, DaemonProtocolError, DaemonUnreachableError } from '../../extension/src/daemon/client.js';
import type { OpenAIChatChunk as ChatChunk } from '../../daemon/src/protocol/openai.js';

const health = {
  status: 'ok',
  version: '0.1.0',
  pid: 42,
  uptimeMs: 5,
  tiers: [{ id: 'local', available: true, state: 'ready', detail: '', models: ['default'] }],
};

describe('extension daemon client (unix socket)', () => {
  let dir: string;
  let socket: string;
  let server: http.Server;
  let handler: http.RequestListener;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-client-'));
    socket = path.join(dir, 'daemon.sock');
    server = http.createServer((req, res) => handler(req, res));
    await new Promise<void>((r) => server.listen(socket, r));
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads /health and checks it against the protocol schema', async () => {
    handler = (_req, res) => res.end(JSON.stringify(health));
    const h = await new DaemonClient(socket).health();
    assert.equal(h.tiers[0]!.id, 'local');
  });

  it('rejects an answer that does not match the schema', async () => {
    handler = (_req, res) => res.end(JSON.stringify({ status: 'fine' }));
    await assert.rejects(new DaemonClient(socket).health(), DaemonProtocolError);
  });

  it("turns an error envelope into the daemon's own words", async () => {
    handler = (_req, res) => {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { message: 'Unknown model "nope".', type: 'invalid_request_error', code: 'model_not_found' } }));
    };
    await assert.rejects(new DaemonClient(socket).models(), (err: unknown) => {
      assert.ok(err instanceof DaemonHttpError);
      assert.equal(err.status, 404);
      assert.equal(err.code, 'model_not_found');
      assert.equal(err.message, 'Unknown model "nope".');
      return true;
    });
  });

  it('says the daemon is not running when nothing listens on the socket', async () => {
    await assert.rejects(new DaemonClient(path.join(dir, 'missing.sock')).health(), DaemonUnreachableError);
  });

  it('parses an SSE stream split at arbitrary byte boundaries, with headers and usage', async () => {
    const events = [
      { choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] },
      { choices: [{ index: 0, delta: { content: 'Hel' } }] },
      { choices: [{ index: 0, delta: { content: 'lo ✓' } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
    ];
    const body = events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join('') + 'data: [DONE]\n\n';
    let request: unknown;
    handler = (req, res) => {
      let text = '';
      req.on('data', (b) => (text += b));
      req.on('end', async () => {
        request = JSON.parse(text);
        res.writeHead(200, { 'content-type': 'text/event-stream', 'x-switchboard-provider': 'local', 'x-switchboard-model': 'default', 'x-request-id': 'r1' });
        const bytes = Buffer.from(body);
        for (let i = 0; i < bytes.length; i += 7) {
          res.write(bytes.subarray(i, i + 7));
          await new Promise((r) => setImmediate(r));
        }
        res.end();
      });
    };
    const chunks: ChatChunk[] = [];
    let started: unknown;
    const meta = await new DaemonClient(socket).streamChat(
      { model: 'local/default', messages: [{ role: 'user', content: 'hi' }] },
      { onStart: (m) => (started = m), onChunk: (c) => chunks.push(c) },
    );
    assert.deepEqual(meta, { provider: 'local', model: 'default', requestId: 'r1' });
    assert.deepEqual(started, meta);
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Hello ✓');
    assert.equal(chunks.at(-1)?.usage?.total_tokens, 5);
    assert.deepEqual((request as { stream: boolean; stream_options: unknown }).stream_options, { include_usage: true });
    assert.equal((request as { stream: boolean }).stream, true);
  });

  it('aborting closes the connection (which is how the daemon learns to abort upstream)', async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((r) => (closed = r));
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'x' } }] })}\n\n`);
      res.on('close', () => closed());
    };
    const abort = new AbortController();
    const run = new DaemonClient(socket).streamChat(
      { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
      { onChunk: () => abort.abort() },
      abort.signal,
    );
    await assert.rejects(run, (err: Error) => err.name === 'AbortError');
    await serverSawClose;
  });

  it('reports an error event in the middle of a stream', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify({ error: { message: 'The local model crashed.', type: 'server_error', code: 'upstream_error' } })}\n\n`);
    };
    await assert.rejects(
      new DaemonClient(socket).streamChat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { onChunk: () => undefined }),
      /The local model crashed\./,
    );
  });
});
