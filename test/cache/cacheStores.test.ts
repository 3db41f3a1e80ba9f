/**
 * Cache stores against real processes and files: the embedded store (vectra snapshot + journal) across a restart,
 * a kill, a torn journal line and a torn index file; its journal, compaction and crash recovery on real files in
 * process; and two daemon replicas sharing entries through a real redis-server started by the test.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LocalIndex } from 'vectra/lib/LocalIndex.js';
import type { CacheEntry } from '../../daemon/src/cache/entry.js';
import { EmbeddedStore } from '../../daemon/src/cache/stores/embeddedStore.js';
import { writeSnapshot } from '../../daemon/src/cache/stores/vectraSnapshot.js';
import { createLogger } from '../../daemon/src/log.js';
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

function fileState(file: string): { size: number; mtimeMs: number } {
  const st = statSync(file);
  return { size: st.size, mtimeMs: st.mtimeMs };
}

/** Bytes this process has handed to write(2) so far (Linux). */
function bytesWritten(): number {
  return Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1]);
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
    const snapshot = () => path.join(home, 'cache', 'index', 'index.json');
    const journal = () => path.join(home, 'cache', 'index.journal');
    const journalHas = (bytes: number) => existsSync(journal()) && statSync(journal()).size > bytes;

    it('keeps exact and semantic entries across a restart (from the journal: the snapshot is not rewritten)', async () => {
      sp = await start();
      await waitForEmbedder(served(sp));
      await until(() => existsSync(snapshot()), 'the empty snapshot written at first start');
      const before = fileState(snapshot());
      assert.equal((await chat(served(sp), 'How do I learn Python quickly?')).cache, 'miss');
      await until(() => journalHas(0), 'the entry appended to the journal'); // flushMs is 50 in the test config
      assert.equal(await stopServe(sp), 0);
      sp = await start();
      await waitForEmbedder(served(sp));
      assert.equal((await chat(served(sp), 'How do I learn Python quickly?')).cache, 'hit');
      const para = await chat(served(sp), 'How can I learn Python quickly');
      assert.equal(para.cache, 'semantic-hit');
      assert.equal(upstream.requests.length, 1);
      assert.deepEqual(fileState(snapshot()), before, 'the snapshot file was not rewritten');
    });

    it('keeps what was flushed when killed, and ignores a torn last journal line with a warning', async () => {
      sp = await start();
      await waitForEmbedder(served(sp));
      assert.equal((await chat(served(sp), 'What is the capital of Australia?')).cache, 'miss');
      await until(() => journalHas(0), 'the entry appended to the journal');
      sp.proc.kill('SIGKILL');
      await sp.exited;
      const whole = readFileSync(journal(), 'utf8');
      // What a crash in the middle of an append leaves behind.
      appendFileSync(journal(), '{"op":"put","id":"torn","entry":{"id":"torn","route":"openai/gpt-4o');
      sp = await start();
      await waitForEmbedder(served(sp));
      await until(() => sp!.output().includes('cache journal: ignored a torn last line'), 'the warning in the log');
      assert.equal(readFileSync(journal(), 'utf8'), whole, 'the torn tail is cut off, so the next append starts a line of its own');
      assert.equal((await chat(served(sp), 'What is the capital of Australia?')).cache, 'hit');
      assert.equal((await chat(served(sp), 'Is the journal still appendable?')).cache, 'miss');
      await until(() => journalHas(whole.length), 'the second entry appended');
      assert.equal(await stopServe(sp), 0);
      sp = await start();
      await waitForEmbedder(served(sp));
      assert.equal((await chat(served(sp), 'What is the capital of Australia?')).cache, 'hit');
      assert.equal((await chat(served(sp), 'Is the journal still appendable?')).cache, 'hit');
      assert.equal(upstream.requests.length, 2);
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

  describe('embedded store files: journal, compaction, crash recovery (the real store in process, real files)', () => {
    let dir: string;
    let folder: string;
    let logged: string[];
    const log = createLogger({ level: 'debug', write: (l) => logged.push(l) });
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'sb-store-'));
      folder = path.join(dir, 'cache', 'index');
      logged = [];
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    // Flushes only when a test asks; `live` plays the response cache (the holder of the live entries).
    const open = (live?: Map<string, CacheEntry>, now?: () => number) => {
      const store = new EmbeddedStore({ folder, flushMs: 3_600_000, log, ...(now && { now }) });
      if (live) store.useLiveEntries(() => live.values());
      return store;
    };
    /** A store with its holder's live entries, loaded; `put` changes both, as the response cache does (a re-put entry moves to the end). */
    const openHeld = async () => {
      const live = new Map<string, CacheEntry>();
      const a = open(live);
      await a.load();
      const put = (e: CacheEntry) => {
        live.delete(e.id);
        live.set(e.id, e);
        a.put(e);
      };
      return { live, a, put };
    };
    const snapshot = () => path.join(folder, 'index.json');
    const journal = () => `${folder}.journal`;
    const journalLines = () => readFileSync(journal(), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { op: string; id: string });
    const filesLeft = () => readdirSync(path.dirname(folder)).sort();
    const byId = (es: Iterable<CacheEntry>) => new Map([...es].map((e) => [e.id, e]));
    let seq = 0;
    const entry = (over: Partial<CacheEntry> = {}): CacheEntry => {
      const n = seq++;
      const now = Date.now();
      return {
        id: `id-${n}`,
        route: 'openai/gpt-4o-mini',
        scope: 'scope',
        prompt: `question ${n}`,
        embedder: 'wink-sg-100d',
        vector: Array.from(Float32Array.from({ length: 100 }, () => Math.random() - 0.5)),
        target: { provider: 'openai', model: 'gpt-4o-mini' },
        response: { content: [{ type: 'text', text: `answer ${n} ${'words '.repeat(30)}` }], finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 30 } },
        createdAt: now + n,
        expiresAt: now + 3_600_000,
        staleUntil: now + 7_200_000,
        ...over,
      };
    };

    it('puts and deletes survive a restart through the journal alone; the snapshot is not rewritten', async () => {
      const a = open();
      assert.deepEqual(await a.load(), []);
      const before = fileState(snapshot());
      const text = readFileSync(snapshot(), 'utf8');
      const [e1, e2, e3] = [entry(), entry(), entry()];
      a.put(e1!);
      a.put(e2!);
      await a.flush();
      a.put(e3!);
      a.delete([e1!.id]);
      await a.close();
      assert.deepEqual(journalLines().map((l) => `${l.op} ${l.id}`), [`put ${e1!.id}`, `put ${e2!.id}`, `del ${e1!.id}`, `put ${e3!.id}`]);
      assert.deepEqual(fileState(snapshot()), before);
      assert.equal(readFileSync(snapshot(), 'utf8'), text);
      const b = open();
      assert.deepEqual(await b.load(), [e2, e3]);
      await b.close();
      assert.deepEqual(fileState(snapshot()), before, 'a restart does not rewrite it either');
    });

    it('journals a vector as base64 float32 beside the entry, exactly, and still reads lines with the vector inside', async () => {
      const a = open();
      await a.load();
      const fresh = entry();
      a.put(fresh);
      await a.close();
      const line = JSON.parse(readFileSync(journal(), 'utf8').trim()) as { entry: CacheEntry; v: unknown };
      assert.equal(typeof line.v, 'string');
      assert.equal(line.entry.vector, undefined, 'no decimal copy of the vector');
      assert.equal(Buffer.from(line.v as string, 'base64').length, 400);
      // A line as the journal wrote it before (the vector a JSON array inside the entry), and one without a vector.
      const older = entry();
      const { vector: _vector, scope: _scope, ...exactOnly } = entry();
      appendFileSync(journal(), `${JSON.stringify({ op: 'put', id: older.id, entry: older })}\n${JSON.stringify({ op: 'put', id: exactOnly.id, entry: exactOnly })}\n`);
      const loaded = byId(await open().load());
      assert.deepEqual(loaded.get(fresh.id), fresh);
      assert.deepEqual(loaded.get(older.id), older);
      assert.deepEqual(loaded.get(exactOnly.id), exactOnly);
    });

    it('drops entries past their stale deadline on load', async () => {
      let t = Date.now();
      const a = open(undefined, () => t);
      await a.load();
      const soon = entry({ staleUntil: t + 1000 });
      const later = entry({ staleUntil: t + 5000 });
      a.put(soon);
      a.put(later);
      await a.close();
      t += 2000;
      assert.deepEqual(await open(undefined, () => t).load(), [later]);
    });

    it('compaction writes exactly the live set as a vectra index and empties the journal', async () => {
      const { live, a, put } = await openHeld();
      for (let i = 0; i < 600; i++) put(entry());
      await a.flush();
      const gone = [...live.keys()].slice(0, 200);
      for (const id of gone) live.delete(id);
      a.delete(gone);
      await a.flush();
      assert.equal(journalLines().length, 800, 'under the bound (max(1000, 0 entries)): only appended');
      assert.deepEqual(await new LocalIndex(folder).listItems(), []);
      // Still held, but past its stale deadline: not worth writing.
      const stale = entry({ staleUntil: Date.now() - 1 });
      put(stale);
      for (let i = 0; i < 300; i++) put(entry());
      const journalBefore = statSync(journal()).size;
      await a.flush(); // 1,101 operations: past the bound, so this flush compacts
      assert.equal(statSync(journal()).size, 0, `the journal shrank from ${journalBefore} bytes to nothing`);
      assert.ok(logged.some((l) => l.includes('cache index compacted')));
      live.delete(stale.id);
      // vectra itself reads the snapshot: the format is unchanged.
      const items = await new LocalIndex<{ entry: string }>(folder).listItems();
      assert.equal(items.length, 700);
      assert.deepEqual(new Set(items.map((i) => i.id)), new Set(live.keys()));
      for (const item of items.slice(0, 20)) assert.deepEqual({ ...JSON.parse(item.metadata.entry), vector: item.vector }, live.get(item.id));
      await a.close();
      assert.deepEqual(filesLeft(), ['index', 'index.journal']);
      assert.deepEqual(byId(await open().load()), byId(live.values()));
    });

    it('changes made while a compaction is writing (it reads the live entries a chunk per event-loop turn) all survive a restart', async () => {
      const { live, a, put } = await openHeld();
      for (let i = 0; i < 1200; i++) put(entry());
      let compacting = true;
      const compaction = a.flush().finally(() => (compacting = false)); // 1,200 operations: past the bound
      let turns = 0;
      const ids = [...live.keys()];
      while (compacting) {
        await new Promise((r) => setImmediate(r));
        if (!compacting) break;
        if (++turns * 3 + 1 >= ids.length) continue;
        // Per turn: one entry deleted, one answered again (same id, new answer), one new.
        const gone = ids[turns * 3]!;
        live.delete(gone);
        a.delete([gone]);
        put({ ...live.get(ids[turns * 3 + 1]!)!, prompt: `asked again at turn ${turns}`, createdAt: Date.now() + 10_000 + turns });
        put(entry());
      }
      await compaction;
      assert.ok(logged.some((l) => l.includes('cache index compacted')));
      assert.ok(turns >= 20, `the event loop turned ${turns} times during the compaction of ~3 MB (a turn per 64 KB chunk)`);
      await a.close();
      const items = await new LocalIndex<{ entry: string }>(folder).listItems();
      assert.equal(new Set(items.map((i) => i.id)).size, items.length, 'no entry twice in the snapshot');
      assert.deepEqual(byId(await open().load()), byId(live.values()));
    });

    it('compaction without the holder’s entries replays snapshot + journal to the same live set', async () => {
      const a = open();
      await a.load();
      const kept = [entry(), entry(), entry()];
      const dropped = entry();
      for (const e of [...kept, dropped]) a.put(e);
      await a.flush();
      a.delete([dropped.id]);
      const replaced = { ...kept[0]!, response: { ...kept[0]!.response, content: [{ type: 'text' as const, text: 'newer answer' }] } };
      a.put(replaced);
      await a.compact();
      assert.equal(statSync(journal()).size, 0);
      await a.close();
      assert.deepEqual(await open().load(), [replaced, kept[1], kept[2]]);
    });

    for (const crash of ['while writing the new snapshot', 'after the old snapshot was moved aside', 'after the swap, before the journal was emptied', 'after the journal was emptied, before the old snapshot was removed', 'with only the old snapshot left aside (rolled back)']) {
      it(`a crash ${crash} loses nothing that was flushed`, async () => {
        const { live, a, put } = await openHeld();
        for (let i = 0; i < 50; i++) put(entry());
        await a.compact(); // snapshot: 50 entries
        for (let i = 0; i < 20; i++) put(entry());
        const gone = [...live.keys()].slice(0, 10);
        for (const id of gone) live.delete(id);
        a.delete(gone);
        await a.close(); // journal: 30 operations
        const expected = byId(live.values());
        // Redo a compaction's steps by hand and stop where the crash did (snapshotSwap.ts lists them).
        const next = `${folder}.next`;
        const old = `${folder}.old`;
        await writeSnapshot(next, [...live.values()]);
        if (crash.startsWith('while writing')) {
          const f = path.join(next, 'index.json');
          writeFileSync(f, readFileSync(f, 'utf8').slice(0, 40_000));
        } else {
          renameSync(folder, old);
          if (crash.includes('swap') || crash.includes('journal was emptied')) renameSync(next, folder);
          if (crash.includes('journal was emptied')) writeFileSync(journal(), '');
          if (crash.includes('rolled back')) rmSync(next, { recursive: true });
        }
        logged = [];
        const b = open();
        assert.deepEqual(byId(await b.load()), expected);
        assert.deepEqual(filesLeft(), ['index', 'index.journal'], 'the leftovers are cleaned up');
        assert.ok(logged.some((l) => l.includes('"cache index: ')), `what was recovered is logged: ${logged.join('')}`);
        await b.close();
      });
    }

    it('a flush of 100 new entries at 10,000 appends only their lines', async function () {
      this.timeout(120_000);
      const { live, a, put } = await openHeld();
      for (let i = 0; i < 10_000; i++) put(entry());
      await a.flush(); // past the bound: compacted into the snapshot
      assert.equal(statSync(journal()).size, 0);
      const snap = fileState(snapshot());
      assert.ok(snap.size > 10_000 * 2000, `a 10,000-entry snapshot (${snap.size} bytes)`);
      const fresh = Array.from({ length: 100 }, () => entry());
      const before = bytesWritten();
      for (const e of fresh) put(e);
      await a.flush();
      const written = bytesWritten() - before;
      const lines = statSync(journal()).size;
      assert.deepEqual(journalLines().map((l) => `${l.op} ${l.id}`), fresh.map((e) => `put ${e.id}`), 'the journal holds exactly the 100 new lines');
      assert.ok(written >= lines && written < lines + 4096, `${written} bytes written for ${lines} bytes of journal lines`);
      assert.ok(lines * 50 < snap.size, `the flush wrote ${lines} bytes, under 2 % of the ${snap.size}-byte snapshot`);
      assert.deepEqual(fileState(snapshot()), snap, 'the snapshot was not rewritten');
      await a.close();
      assert.equal((await open().load()).length, 10_100);
    });

    it('reads a snapshot that vectra itself wrote (earlier versions of this store)', async () => {
      const index = new LocalIndex<{ entry: string }>(folder);
      await index.createIndex({ version: 1 });
      const es = [entry(), entry({ scope: undefined, embedder: undefined, vector: undefined })];
      await index.beginUpdate();
      for (const e of es) {
        const { vector, ...rest } = e;
        await index.upsertItem({ id: e.id, vector: vector ?? [], metadata: { entry: JSON.stringify(rest) } });
      }
      await index.endUpdate();
      const { scope: _s, embedder: _e, vector: _v, ...plain } = es[1]!;
      assert.deepEqual(await open().load(), [es[0], plain]);
    });

    it('a damaged snapshot is moved aside with its journal, and the store starts empty and keeps working', async () => {
      const a = open();
      await a.load();
      a.put(entry());
      await a.close();
      writeFileSync(snapshot(), readFileSync(snapshot(), 'utf8').slice(0, -5));
      const b = open();
      assert.deepEqual(await b.load(), []);
      assert.ok(logged.some((l) => l.includes('cache index is damaged')));
      const aside = filesLeft().find((f) => f.startsWith('index.damaged-'));
      assert.ok(aside, `moved aside: ${filesLeft().join(', ')}`);
      assert.deepEqual(readdirSync(path.join(path.dirname(folder), aside)).sort(), ['index.json', 'journal']);
      const e = entry();
      b.put(e);
      await b.close();
      assert.deepEqual(await open().load(), [e]);
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
