/**
 * Lifecycle of the real daemon: a client that goes away aborts the upstream call (fake OpenAI, fake
 * Anthropic, the real local model); SIGTERM lets in-flight streams finish while refusing new connections,
 * cuts stuck streams at the grace deadline and cleans up; a killed daemon's leftovers do not block the next
 * start; a second daemon on the same data folder is refused with a clear message.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fakeAnthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, waitForTier, type TestDaemon } from '../helpers/daemon.js';
import { tinyModelPath } from '../helpers/paths.js';
import { assertLogClean, bearer, http, readAll, sseFrames, startServe, stopServe, until, type ServeProcess } from '../helpers/http.js';

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

/** Starts a streaming chat completion and resolves once the first content chunk has arrived. */
async function openStream(d: TestDaemon, body: Record<string, unknown>, path = '/v1/chat/completions') {
  const controller = new AbortController();
  const res = await fetch(`${d.url}${path}`, {
    method: 'POST',
    headers: { ...bearer(d.key), 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ ...body, stream: true }),
    signal: controller.signal,
  });
  assert.equal(res.status, 200, await (res.status === 200 ? Promise.resolve('') : res.text()));
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!/"(content|text)":"[^"]+"/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before any content: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  return {
    controller,
    /** Reads the rest to the end; returns all the text and the error that ended it, if any. */
    async rest(): Promise<{ text: string; error?: Error }> {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return { text };
          text += decoder.decode(value, { stream: true });
        }
      } catch (e) {
        return { text, error: e as Error };
      }
    },
  };
}

function connectResult(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

describe('lifecycle: a client that disconnects aborts the upstream call', function () {
  this.timeout(30_000);
  let openai: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let d: TestDaemon;

  before(async () => {
    openai = await startFakeOpenAI();
    anthropic = await startFakeAnthropic();
    d = await spawnDaemon({
      env: {
        OPENAI_API_KEY: openai.apiKey,
        OPENAI_BASE_URL: openai.url,
        ANTHROPIC_API_KEY: anthropic.apiKey,
        ANTHROPIC_BASE_URL: anthropic.url,
        SWITCHBOARD_LOCAL_MODEL: tinyModelPath,
      },
      // One sequence: a generation that kept running after its client left would block the next request.
      configYaml: 'providers:\n  local:\n    sequences: 1\n',
    });
    await waitForTier(d, 'local');
  });
  after(async () => {
    await d?.stop();
    await openai?.close();
    await anthropic?.close();
  });

  it('fake OpenAI tier: the upstream request is aborted and no response stays open', async () => {
    openai.reset();
    openai.script({ text: words(60), chunkDelayMs: 50 });
    const s = await openStream(d, { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'long please' }] });
    assert.equal(openai.openResponses(), 1);
    s.controller.abort();
    await until(() => openai.requests[0]?.clientAborted === true, 'the fake saw the gateway abort its request', 3000);
    await until(() => openai.openResponses() === 0, 'no upstream response left open', 3000);
    assert.equal(openai.requests[0]?.completed, false, 'the upstream did not get to finish');
    const again = await http(d.url, '/v1/chat/completions', { body: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'next' }] }, headers: bearer(d.key) });
    assert.equal(again.status, 200);
  });

  it('fake Anthropic tier through the Anthropic door: the upstream request is aborted', async () => {
    anthropic.reset();
    anthropic.script({ text: words(60), chunkDelayMs: 50 });
    const s = await openStream(d, { model: 'anthropic/claude-haiku-4-5', max_tokens: 500, messages: [{ role: 'user', content: 'long' }] }, '/v1/messages');
    s.controller.abort();
    await until(() => anthropic.requests[0]?.clientAborted === true, 'the fake saw the gateway abort its request', 3000);
    await until(() => anthropic.openResponses() === 0, 'no upstream response left open', 3000);
  });

  it('local tier: the generation stops, and a new local request (one sequence) still succeeds', async () => {
    // 4000 tokens take seconds on this model; with one sequence, the next request waits for them unless aborted.
    const s = await openStream(d, { model: 'local/default', max_tokens: 4000, messages: [{ role: 'user', content: 'tell me a long story' }] });
    s.controller.abort();
    const started = Date.now();
    const r = await http(d.url, '/v1/chat/completions', { body: { model: 'local/default', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }, headers: bearer(d.key), timeoutMs: 15_000 });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.usage.completion_tokens > 0 && r.json.usage.completion_tokens <= 8);
    const waited = Date.now() - started;
    assert.ok(waited < 2000, `the next request waited ${waited} ms: the abandoned generation kept its sequence`);
    const health = await http(d.url, '/health');
    assert.equal(health.json.tiers.find((t: { id: string }) => t.id === 'local')?.state, 'ready');
  });

  it('the daemon log carries no stack trace and no key after the abandoned requests', () => {
    assertLogClean(d.output(), [d.key, openai.apiKey, anthropic.apiKey]);
  });
});

describe('lifecycle: SIGTERM', function () {
  this.timeout(30_000);
  let openai: FakeOpenAI;
  let d: TestDaemon | undefined;
  before(async () => {
    openai = await startFakeOpenAI();
  });
  afterEach(async () => {
    await d?.stop('SIGKILL');
    d = undefined;
  });
  after(async () => {
    await openai?.close();
  });

  const exitOf = (t: TestDaemon) => new Promise<number | null>((resolve) => (t.proc.exitCode !== null ? resolve(t.proc.exitCode) : t.proc.once('exit', (c) => resolve(c))));

  it('lets an in-flight stream finish completely ([DONE]) while refusing new connections, then exits 0 and cleans up', async () => {
    d = await spawnDaemon({ env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url }, configYaml: 'server:\n  shutdownGraceMs: 8000\n' });
    const daemon = d;
    openai.reset();
    const text = words(12);
    openai.script({ text, chunkDelayMs: 100 });
    const s = await openStream(daemon, { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'slow' }] });
    const exited = exitOf(daemon);
    const sentAt = Date.now();
    daemon.proc.kill('SIGTERM');

    await until(async () => (await connectResult(daemon.port)) !== 'connected', 'new TCP connections are refused', 5000);
    assert.equal(await connectResult(daemon.port), 'ECONNREFUSED');
    await until(() => !existsSync(daemon.socketPath) || connectSocket(daemon.socketPath).then((r) => r !== 'connected'), 'the socket refuses too', 5000);

    const { text: streamed, error } = await s.rest();
    assert.equal(error, undefined, `the stream broke: ${error?.message}`);
    const frames = sseFrames(streamed);
    assert.equal(frames.at(-1)?.data, '[DONE]', 'the stream finished properly');
    const content = frames
      .filter((f) => f.data.startsWith('{'))
      .map((f) => JSON.parse(f.data).choices?.[0]?.delta?.content ?? '')
      .join('');
    assert.equal(content, text, 'the whole answer arrived');
    assert.ok(openai.requests[0]?.completed, 'the upstream completed');

    assert.equal(await exited, 0);
    assert.ok(Date.now() - sentAt < 8000, 'it exited once the stream was done, not at the deadline');
    assert.ok(!existsSync(path.join(daemon.home, 'daemon.json')), 'daemon.json removed');
    assert.ok(!existsSync(daemon.socketPath), 'socket removed');
    assert.match(daemon.output(), /SIGTERM received/);
  });

  it('cuts a stuck stream at server.shutdownGraceMs, aborts its upstream call, and exits 0', async () => {
    d = await spawnDaemon({ env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url }, configYaml: 'server:\n  shutdownGraceMs: 600\n' });
    const daemon = d;
    openai.reset();
    openai.script({ text: words(10), stallAfterChunks: 1 });
    const s = await openStream(daemon, { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'stall' }] });
    const exited = exitOf(daemon);
    const sentAt = Date.now();
    daemon.proc.kill('SIGTERM');
    const { text } = await s.rest();
    const elapsed = Date.now() - sentAt;
    assert.ok(elapsed >= 450, `cut after ${elapsed} ms, before the grace deadline`);
    assert.ok(elapsed < 5000, `cut after ${elapsed} ms, long after the grace deadline`);
    assert.ok(!text.includes('[DONE]'), 'a cut stream does not claim to be complete');
    assert.equal(await exited, 0);
    await until(() => openai.requests[0]?.clientAborted === true, 'the upstream call was aborted', 3000);
    assert.ok(!existsSync(path.join(daemon.home, 'daemon.json')), 'daemon.json removed');
    assert.ok(!existsSync(daemon.socketPath), 'socket removed');
  });

  it('an idle daemon exits 0 promptly on SIGTERM and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      d = await spawnDaemon({ configYaml: 'server:\n  shutdownGraceMs: 10000\n' });
      const daemon = d;
      // The banner is printed once the signal handlers are about to be installed (see pending-bugs for the
      // window between daemon.json and the handlers).
      await until(() => daemon.output().includes('Switchboard is serving'), 'the start banner');
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      assert.equal(await d.stop(signal), 0, `${signal}: ${d.output()}`);
      assert.ok(Date.now() - started < 3000, `${signal}: an idle daemon does not wait for the grace period`);
      d = undefined;
    }
  });
});

function connectSocket(socketPath: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

describe('lifecycle: leftovers and a second daemon on one data folder', function () {
  this.timeout(30_000);
  let home: string;
  const started: ServeProcess[] = [];
  before(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'sb-life-'));
  });
  after(async () => {
    for (const sp of started) await stopServe(sp);
    rmSync(home, { recursive: true, force: true });
  });

  it('a stale daemon.json and socket from a SIGKILLed daemon do not prevent the next start', async () => {
    const a = await startServe(home, { env: { SWITCHBOARD_MASTER_KEY: 'sb-life-key-0123456789' } });
    started.push(a);
    assert.ok(a.state, a.output());
    a.proc.kill('SIGKILL');
    await a.exited;
    assert.ok(existsSync(path.join(home, 'daemon.json')), 'the killed daemon left daemon.json');
    assert.ok(existsSync(a.state.socketPath), 'the killed daemon left its socket');

    const b = await startServe(home, { env: { SWITCHBOARD_MASTER_KEY: 'sb-life-key-0123456789' } });
    started.push(b);
    assert.ok(b.state, `the next start failed:\n${b.output()}`);
    assert.equal(b.state.pid, b.proc.pid);
    const health = await http({ socketPath: b.state.socketPath }, '/health');
    assert.equal(health.status, 200);
    assert.equal(health.json.pid, b.proc.pid, 'the socket now belongs to the new daemon');
    const tcp = await http({ port: b.state.port }, '/v1/models', { headers: bearer('sb-life-key-0123456789') });
    assert.equal(tcp.status, 200);
  });

  it('a second daemon on the same data folder while the first runs fails with a clear message and disturbs nothing', async () => {
    const first = started.at(-1);
    assert.ok(first?.state && first.proc.exitCode === null, 'the daemon from the previous test runs');
    const stateBefore = readFileSync(path.join(home, 'daemon.json'), 'utf8');

    const second = await startServe(home, { env: { SWITCHBOARD_MASTER_KEY: 'sb-life-key-0123456789' } });
    started.push(second);
    assert.equal(second.state, undefined, 'the second daemon must not start');
    const code = await second.exited;
    assert.notEqual(code, 0);
    assert.match(second.output(), /already (listening|running)/i);
    assert.match(second.output(), /SWITCHBOARD_HOME|stop it/i, 'it says what to do');
    assert.doesNotMatch(second.output(), /\n\s+at .+:\d+:\d+/, 'no stack trace');

    assert.equal(readFileSync(path.join(home, 'daemon.json'), 'utf8'), stateBefore, 'daemon.json still describes the first daemon');
    assert.ok(existsSync(first.state.socketPath), 'the first daemon\'s socket is still there');
    const health = await http({ socketPath: first.state.socketPath }, '/health');
    assert.equal(health.json.pid, first.proc.pid);

    assert.equal(await stopServe(first), 0);
    assert.ok(!existsSync(path.join(home, 'daemon.json')));
  });
});
