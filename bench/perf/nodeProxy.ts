/**
 * The floor for any Node.js gateway on this machine: a bare proxy with no features — one http server, one
 * keep-alive undici Pool (dispatched to with a handler, the leanest way undici offers), the request and a whole
 * answer each parsed and re-serialised once (the least a gateway that reads requests must do), a stream passed
 * through chunk by chunk. bench/perf.ts runs it as a
 * fifth target in every scenario, so that the figures say how much of Switchboard's cost and added latency is
 * Node's own HTTP work.
 *
 * Run as a child process: `node --import tsx bench/perf/nodeProxy.ts <upstream URL> <key>`; prints one JSON line
 * `{ "url": … }` once listening. The parent side is `startNodeProxy`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';

export interface NodeProxyProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startNodeProxy(upstreamURL: string, key: string, opts: { nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<NodeProxyProcess> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', import.meta.filename, upstreamURL, key], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...opts.env },
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => (rl.close(), resolve(l)));
    child.once('exit', (code) => reject(new Error(`node proxy exited with ${code} before listening`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { url: (JSON.parse(line) as { url: string }).url, child, stop: async () => (child.kill('SIGTERM'), await exited) };
}

function main(upstreamURL: string, key: string): void {
  const base = new URL(upstreamURL);
  const pool = new Pool(base.origin, { keepAliveTimeout: 30_000 });
  const path = `${base.pathname.replace(/\/$/, '')}/chat/completions`;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: boolean };
      const answer: Buffer[] = [];
      // Dispatched with a handler of its own, as the daemon's OpenAI tier does (providers/openai/exchange.ts):
      // pool.request's AsyncResource handler and Readable body cost a proxy ~20 µs of its ~110 per request.
      pool.dispatch(
        { path, method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(request) },
        {
          // Its presence is how undici tells this handler API from the older one.
          onRequestStart() {},
          onResponseStart(_c, statusCode) {
            // Streams are passed through chunk by chunk as they arrive, unparsed: the least a streaming proxy does.
            if (request.stream) res.writeHead(statusCode, { 'content-type': 'text/event-stream' });
            else res.statusCode = statusCode;
          },
          onResponseData(c, chunk) {
            if (!request.stream) answer.push(chunk);
            else if (!res.write(chunk)) {
              c.pause();
              res.once('drain', () => c.resume());
            }
          },
          onResponseEnd() {
            if (request.stream) return void res.end();
            const text = JSON.stringify(JSON.parse(Buffer.concat(answer).toString('utf8')));
            res.writeHead(res.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
            res.end(text);
          },
          onResponseError() {
            if (res.headersSent) res.destroy();
            else res.writeHead(502).end();
          },
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv[2]!, process.argv[3]!);
