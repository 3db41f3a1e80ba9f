/**
 * Embedders: a GGUF model through node-llama-cpp (the tiny test model), OpenAI's embeddings API (a fake OpenAI
 * speaking its wire format), and entries that never match across embedders.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { CacheConfigSchema } from '../../daemon/src/cache/configSchema.js';
import type { Embedder } from '../../daemon/src/cache/embedders/embedder.js';
import { LlamaCppEmbedder } from '../../daemon/src/cache/embedders/llamacpp.js';
import { OpenAIEmbedder } from '../../daemon/src/cache/embedders/openai.js';
import { WinkEmbedder } from '../../daemon/src/cache/embedders/wink.js';
import { ResponseCache } from '../../daemon/src/cache/responseCache.js';
import { EmbeddedStore } from '../../daemon/src/cache/stores/embeddedStore.js';
import type { GatewayContext } from '../../daemon/src/gateway/context.js';
import { createLogger } from '../../daemon/src/log.js';
import { tinyModelPath } from '../helpers/paths.js';
import { wordVectorFile } from './helpers.js';

const log = createLogger({ level: 'error' });

function ctx(question: string): GatewayContext {
  return {
    id: 'test',
    door: 'openai',
    request: { model: 'openai/gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: [{ type: 'text', text: question }] }] },
    stream: false,
    signal: new AbortController().signal,
    identity: { keyId: 'master' },
    headers: {},
    responseHeaders: {},
    startedAt: 0,
    record: { attempts: [], decisions: [] },
  };
}

describe('cache embedders', function () {
  this.timeout(60_000);

  it('node-llama-cpp: embeds with a GGUF model into unit vectors of the model\'s size', async () => {
    const e = new LlamaCppEmbedder(tinyModelPath, os.tmpdir());
    try {
      await e.ready();
      assert.ok(e.isReady());
      assert.match(e.id, /^llamacpp:llama-2-tiny-random\.gguf$/);
      const v = (await e.embed('How do I learn Python?'))!;
      const w = (await e.embed('How do I learn Python?'))!;
      assert.ok(v.length > 0);
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4);
      assert.deepEqual(Array.from(v), Array.from(w), 'deterministic');
    } finally {
      await e.close();
    }
  });

  describe('OpenAI embeddings API', () => {
    let server: Server;
    let url: string;
    const bodies: any[] = [];
    before(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          if (req.headers.authorization !== 'Bearer sk-embed') {
            res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'bad key', type: 'invalid_request_error', code: 'invalid_api_key' } }));
            return;
          }
          const b = JSON.parse(body);
          bodies.push(b);
          const embedding = [3, 4, 0];
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', model: b.model, data: [{ object: 'embedding', index: 0, embedding }], usage: { prompt_tokens: 3, total_tokens: 3 } }));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it('sends the text and model, and normalises the vector', async () => {
      const e = new OpenAIEmbedder('text-embedding-3-small', { apiKey: 'sk-embed', baseURL: url });
      const v = (await e.embed('hello world'))!;
      assert.deepEqual(Array.from(v).map((x) => Math.round(x * 1000) / 1000), [0.6, 0.8, 0]);
      assert.equal(bodies.at(-1).model, 'text-embedding-3-small');
      assert.equal(bodies.at(-1).input, 'hello world');
      assert.equal(e.id, 'openai:text-embedding-3-small');
    });

    it('reports a failing API as an error (the cache then matches exactly only)', async () => {
      const e = new OpenAIEmbedder('text-embedding-3-small', { apiKey: 'sk-wrong', baseURL: url });
      await assert.rejects(e.embed('hello'), /401/);
    });
  });

  it('wink: reads a shipped vector file where it lies when the data folder has none, and embeds as the converted one does', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-wink-'));
    try {
      const converted = new WinkEmbedder({ file: wordVectorFile });
      await converted.ready();
      const file = path.join(dir, 'embeddings', 'wink.bin');
      const shipped = new WinkEmbedder({ file, shipped: wordVectorFile, onConverted: () => assert.fail('converted instead of reading the shipped file') });
      await shipped.ready();
      assert.equal(existsSync(file), false, 'nothing written to the data folder');
      const q = 'How do I learn Python quickly?';
      assert.deepEqual(Array.from(shipped.embedSync(q)!), Array.from(converted.embedSync(q)!));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an entry remembers its embedder: another embedder never matches it semantically', async () => {
    const folder = path.join(mkdtempSync(path.join(os.tmpdir(), 'sb-embed-')), 'index');
    const config = CacheConfigSchema.parse({ enabled: true });
    const open = (embedder: Embedder) => new ResponseCache({ config, embedder, store: new EmbeddedStore({ folder, flushMs: 10, log }), log });
    const response = { content: [{ type: 'text' as const, text: 'Practice daily.' }], finishReason: 'stop' as const, usage: { inputTokens: 5, outputTokens: 2 } };
    try {
      const wink = new WinkEmbedder({ file: wordVectorFile });
      await wink.ready();
      const first = open(wink);
      await first.loaded;
      const miss = await first.lookup(ctx('How do I learn Python quickly?'));
      assert.equal(miss.kind, 'miss');
      first.put((miss as { pending: any }).pending, { provider: 'openai', model: 'gpt-4o-mini' }, response);
      assert.equal((await first.lookup(ctx('How can I learn Python quickly'))).kind, 'semantic-hit');
      await first.close();

      const llama = new LlamaCppEmbedder(tinyModelPath, os.tmpdir());
      await llama.ready();
      const second = open(llama);
      await second.loaded;
      assert.equal((await second.lookup(ctx('How do I learn Python quickly?'))).kind, 'hit', 'exact matches do not depend on the embedder');
      const other = await second.lookup(ctx('How can I learn Python quickly'));
      assert.equal(other.kind, 'miss', 'a vector from another embedder is never compared');
      await second.close();
    } finally {
      rmSync(path.dirname(folder), { recursive: true, force: true });
    }
  });
});
