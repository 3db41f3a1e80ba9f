/**
 * Cache stores against real processes: the embedded (vectra) store across a restart and a torn index file,
 * and two daemon replicas sharing entries through a real redis-server started by the test.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startServe, stopServe, until, type ServeProcess } from '../helpers/http.js';
import { admin, cacheYaml, chat, waitForEmbedder } from './helpers.js';

const KEY = 'sb-test-cache-stores';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function served(sp: ServeProcess) {
  return { url: `http://127.0.0.1:${sp.state!.port}`, key: KEY };
}

describe('cache stores', function () {
  this.timeout(60_000);
  let upstream: FakeOpenAI;
  before(async () => {
    upstream = await startFakeOpenAI();
  });
  after(async () => upstream?.close());
  beforeEach(() => upstream.reset());
  const upstreamEnv = () => ({ OPENAI_API_KEY: upstream.apiKey, OPENAI_BASE_URL: upstream.url });
  const env = () => ({ ...upstreamEnv(), SWITCHBOARD_MASTER_KEY: KEY });

  describe('embedded (vectra) store', () => {
    let home: string;
    let sp: ServeProcess | undefined;
    beforeEach(() => {
      home = mkdtempSync(path.join(os.tmpdir(), 'sb-cache-'));
      writeFileSync(path.join(home, 'switchboard.yaml'), cacheYaml());
    });
    afterEach(async () => {
      await stopServe(sp);
      sp = undefined;
      rmSync(home, { recursive: true, force: true });
    });
    const start = () => startServe(home, { env: env(), args: ['--config', path.join(home, 'switchboard.yaml')] });

    it('keeps exact and semantic entries across a restart', async () => {
      sp = await start();
      await waitForEmbedder(served(sp));
      assert.equal((await chat(served(sp), 'How do I learn Python quickly?')).cache, 'miss');
      await new Promise((r) => setTimeout(r, 300)); // flushMs is 50 in the test config
      assert.equal(await stopServe(sp), 0);
      sp = await start();
      await waitForEmbedder(served(sp));
      assert.equal((await chat(served(sp), 'How do I learn Python quickly?')).cache, 'hit');
      const para = await chat(served(sp), 'How can I learn Python quickly');
      assert.equal(para.cache, 'semantic-hit');
      assert.equal(upstream.requests.length, 1);
    });

    it('starts with an empty cache and a warning when the index file is torn', async () => {
      mkdirSync(path.join(home, 'cache', 'index'), { recursive: true });
      writeFileSync(path.join(home, 'cache', 'index', 'index.json'), '{"version":1,"metadata_config":{},"items":[{"id":"x","vec');
      sp = await start();
      assert.ok(sp.state, `the daemon did not start:\n${sp.output()}`);
      await waitForEmbedder(served(sp));
      await until(() => sp!.output().includes('cache index is damaged'), 'the warning in the log');
      assert.equal((await chat(served(sp), 'Is the cache working again?')).cache, 'miss');
      assert.equal((await chat(served(sp), 'Is the cache working again?')).cache, 'hit');
    });
  });

  describe('shared through Redis (real redis-server)', () => {
    let redis: ChildProcess;
    let redisDir: string;
    let a: TestDaemon;
    let b: TestDaemon;
    let redisPort: number;

    before(async function () {
      const port = (redisPort = await freePort());
      redisDir = mkdtempSync(path.join(os.tmpdir(), 'sb-redis-'));
      redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: 'ignore' });
      const deadline = Date.now() + 10_000;
      for (;;) {
        const ok = await new Promise<boolean>((r) => {
          const s = net.connect(port, '127.0.0.1', () => {
            s.end();
            r(true);
          });
          s.on('error', () => r(false));
        });
        if (ok) break;
        if (Date.now() > deadline) throw new Error('redis-server did not start (scripts/ensureServices.sh installs it)');
        await new Promise((r) => setTimeout(r, 50));
      }
      const yaml = cacheYaml('', `store:\n  type: redis\n  url: redis://127.0.0.1:${port}/0`);
      a = await spawnDaemon({ env: upstreamEnv(), configYaml: yaml });
      b = await spawnDaemon({ env: upstreamEnv(), configYaml: yaml });
      await waitForEmbedder(a);
      await waitForEmbedder(b);
    });
    after(async () => {
      await a?.stop();
      await b?.stop();
      redis?.kill('SIGTERM');
      if (redisDir) rmSync(redisDir, { recursive: true, force: true });
    });

    it('a semantic entry written by one replica is found by the other within a second', async () => {
      assert.equal((await chat(a, 'What is the speed of light in vacuum?')).cache, 'miss');
      const written = Date.now();
      // Watch replica b through its read-only admin view: a chat that missed would store b's own entry and
      // turn every later probe into an exact hit, hiding whether a's entry ever arrived.
      const probe = `/switchboard/v1/cache/entries?prompt=${encodeURIComponent('What is the speed of light in vacuum?')}`;
      let seen = (await admin(b, probe)).json.entries.length;
      while (seen === 0 && Date.now() - written < 1000) {
        await new Promise((res) => setTimeout(res, 20));
        seen = (await admin(b, probe)).json.entries.length;
      }
      const arrivedMs = Date.now() - written;
      assert.ok(seen > 0, `not shared within a second (${arrivedMs} ms)`);
      const r = await chat(b, 'What is the speed of light in a vacuum');
      assert.equal(r.cache, 'semantic-hit');
      assert.equal(r.text, 'echo: What is the speed of light in vacuum?');
      assert.equal(upstream.requests.length, 1, 'replica b never called the upstream');
    });

    it('an invalidation on one replica reaches the other', async () => {
      await chat(a, 'How many moons does Mars have?');
      await until(async () => (await chat(b, 'How many moons does Mars have?')).cache === 'hit', 'entry shared', 2000);
      const res = await fetch(`${a.url}/switchboard/v1/cache/invalidate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'How many moons does Mars have?' }),
      });
      assert.deepEqual(await res.json(), { removed: 1 });
      const entriesOnB = async () => {
        const r = await fetch(`${b.url}/switchboard/v1/cache/entries?prompt=${encodeURIComponent('How many moons does Mars have?')}`, { headers: { authorization: `Bearer ${b.key}` } });
        return ((await r.json()) as { entries: unknown[] }).entries.length;
      };
      await until(async () => (await entriesOnB()) === 0, 'invalidation shared', 2000);
      assert.equal((await chat(b, 'How many moons does Mars have?')).cache, 'miss');
    });

    it('a replica started later loads the shared entries', async () => {
      await chat(a, 'What is the chemical symbol for gold?');
      const c = await spawnDaemon({ env: upstreamEnv(), configYaml: cacheYaml('', `store:\n  type: redis\n  url: redis://127.0.0.1:${redisPort}/0`) });
      try {
        await waitForEmbedder(c);
        const r = await chat(c, 'What is the chemical symbol for gold');
        assert.equal(r.cache, 'semantic-hit');
      } finally {
        await c.stop();
      }
    });
  });
});
