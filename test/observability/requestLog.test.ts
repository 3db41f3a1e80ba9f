/**
 * The request log against the real daemon: one record per request — successes (streamed and not), fallbacks,
 * refusals before the pipeline, upstream failures, client aborts — nothing lost under a burst, secrets and PII
 * never on disk, rotation and retention, queries and `switchboard logs` (also in follow mode).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fakeAnthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { cliPath, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import type { RequestRecord } from '../../daemon/src/protocol/observability.js';
import { authHeaders, chat, queryLog, waitForRecord } from './helpers.js';

const CONFIG = `
resilience:
  retry: { attempts: 0 }
routes:
  chain:
    targets: [openai/gpt-4o-mini, anthropic/claude-haiku-4-5]
observability:
  requestLog:
    bodies: true
`;

function logText(home: string): string {
  const dir = path.join(home, 'logs');
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out.join('\n');
}

describe('request log (real daemon)', function () {
  this.timeout(60_000);
  let openai: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let d: TestDaemon;

  before(async () => {
    openai = await startFakeOpenAI();
    anthropic = await startFakeAnthropic();
    d = await spawnDaemon({
      configYaml: CONFIG,
      env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: anthropic.apiKey, ANTHROPIC_BASE_URL: anthropic.url },
    });
  });
  after(async () => {
    await d?.stop();
    await openai?.close();
    await anthropic?.close();
  });
  beforeEach(() => {
    openai.reset();
    anthropic.reset();
  });

  it('records a non-streamed success with target, attempt, usage, finish reason, TTFT and the gateway overhead', async () => {
    openai.script({ usage: { inputTokens: 11, outputTokens: 7, cacheReadTokens: 3 } });
    const res = await chat(d, { model: 'openai/gpt-4o-mini' });
    assert.equal(res.status, 200);
    await res.json();
    const id = res.headers.get('x-request-id') as string;
    const r = await waitForRecord(d, id);
    assert.equal(r.status, 200);
    assert.equal(r.door, 'openai');
    assert.equal(r.path, '/v1/chat/completions');
    assert.equal(r.keyId, 'master');
    assert.equal(r.model, 'openai/gpt-4o-mini');
    assert.equal(r.target, 'openai/gpt-4o-mini');
    assert.equal(r.stream, false);
    assert.equal(r.finishReason, 'stop');
    assert.deepEqual([r.usage?.inputTokens, r.usage?.outputTokens, r.usage?.cachedInputTokens], [11, 7, 3]);
    assert.equal(r.attempts.length, 1);
    assert.equal(r.attempts[0]?.outcome, 'ok');
    assert.ok(r.ttftMs !== undefined && r.ttftMs > 0 && r.ttftMs <= r.durationMs);
    assert.ok(r.overheadMs !== undefined && r.overheadMs >= 0 && r.overheadMs < r.durationMs);
    assert.equal(r.errorClass, undefined);
    assert.ok(Math.abs(Date.parse(r.time) - Date.now()) < 10_000);
  });

  it('records a streamed success; TTFT is the first token, well before the end', async () => {
    openai.script({ chunks: ['a', 'b', 'c', 'd'], chunkDelayMs: 60 });
    const res = await chat(d, { model: 'openai/gpt-4o-mini', stream: true });
    assert.equal(res.status, 200);
    await res.text();
    const r = await waitForRecord(d, res.headers.get('x-request-id') as string);
    assert.equal(r.stream, true);
    assert.equal(r.status, 200);
    assert.ok(r.ttftMs !== undefined && r.durationMs - r.ttftMs > 120, `ttft ${r.ttftMs} vs duration ${r.durationMs}`);
    assert.equal(r.bodies?.completion, 'abcd');
  });

  it('records a fallback: the failed attempt, the serving attempt and the route', async () => {
    openai.script({ status: 500 });
    const res = await chat(d, { model: 'chain' });
    assert.equal(res.status, 200);
    await res.json();
    const r = await waitForRecord(d, res.headers.get('x-request-id') as string);
    assert.equal(r.route, 'chain');
    assert.equal(r.target, 'anthropic/claude-haiku-4-5');
    assert.deepEqual(r.attempts.map((a) => [a.target, a.outcome === 'ok' ? 'ok' : 'failed']), [
      ['openai/gpt-4o-mini', 'failed'],
      ['anthropic/claude-haiku-4-5', 'ok'],
    ]);
    assert.ok((r.attempts[1]?.startMs ?? 0) >= (r.attempts[0]?.startMs ?? 0));
  });

  it('records refusals before the pipeline: no key (401), bad JSON (400), unknown endpoint (404)', async () => {
    const noKey = await fetch(`${d.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sb-wrong-secret-value-123456' }, body: '{}' });
    const badJson = await fetch(`${d.url}/v1/chat/completions`, { method: 'POST', headers: authHeaders(d), body: '{"model": ' });
    const unknown = await fetch(`${d.url}/v1/nothing-here`, { headers: authHeaders(d) });
    const records = await Promise.all([noKey, badJson, unknown].map((res) => waitForRecord(d, res.headers.get('x-request-id') as string)));
    assert.deepEqual(records.map((r) => [r.status, r.errorClass, r.errorCode]), [
      [401, 'auth', 'invalid_api_key'],
      [400, 'bad_request', 'invalid_json'],
      [404, 'not_found', 'unknown_endpoint'],
    ]);
    assert.equal(records[0]?.door, 'openai', 'a refused API call still counts as one');
    assert.doesNotMatch(logText(d.home), /sb-wrong-secret-value-123456/);
  });

  it('records an upstream failure with its class and the upstream status', async () => {
    openai.script({ status: 429, retryAfter: 1 });
    const res = await chat(d, { model: 'openai/gpt-4o-mini' });
    assert.equal(res.status, 429);
    const r = await waitForRecord(d, res.headers.get('x-request-id') as string);
    assert.equal(r.status, 429);
    assert.equal(r.errorClass, 'upstream_rate_limited');
    assert.equal(r.attempts[0]?.outcome, 'rate_limited');
  });

  it('records client aborts: before the headers (499) and in the middle of a stream', async () => {
    openai.script({ delayHeadersMs: 2000 });
    const early = new AbortController();
    const id1 = `abort-early-${Date.now()}`;
    const p1 = chat(d, { model: 'openai/gpt-4o-mini' }, { 'x-request-id': id1 }, early.signal).catch(() => undefined);
    await openai.waitForRequests(1);
    early.abort();
    await p1;
    const r1 = await waitForRecord(d, id1);
    assert.equal(r1.status, 499);
    assert.equal(r1.errorClass, 'aborted');

    openai.script({ chunks: ['one ', 'two ', 'three ', 'four ', 'five'], chunkDelayMs: 300 });
    const mid = new AbortController();
    const id2 = `abort-mid-${Date.now()}`;
    const res = await chat(d, { model: 'openai/gpt-4o-mini', stream: true }, { 'x-request-id': id2 }, mid.signal);
    const reader = res.body!.getReader();
    await reader.read();
    mid.abort();
    await reader.read().catch(() => undefined);
    const r2 = await waitForRecord(d, id2);
    assert.equal(r2.status, 200, 'headers were sent');
    assert.equal(r2.errorClass, 'aborted');
    assert.equal(r2.finishReason, undefined);
  });

  it('loses nothing under a burst of 300 concurrent requests', async () => {
    openai.setDefault({ chunkDelayMs: 1 });
    const tag = `burst-${Date.now()}`;
    const ids = Array.from({ length: 300 }, (_, i) => `${tag}-${i}`);
    const statuses = await Promise.all(
      ids.map(async (id, i) => {
        const res = await chat(d, { model: 'openai/gpt-4o-mini', stream: i % 2 === 0 }, { 'x-request-id': id });
        await res.text();
        return res.status;
      }),
    );
    assert.ok(statuses.every((s) => s === 200));
    const { records, dropped } = await queryLog(d, { limit: '2000', since: '5m' });
    const logged = new Set(records.map((r) => r.id));
    assert.deepEqual(ids.filter((id) => !logged.has(id)), []);
    assert.equal(dropped, 0);
    const lines = logText(d.home).split('\n').filter((l) => l.includes(`"${tag}-`));
    assert.equal(lines.length, 300, 'exactly one line per request');
  });

  it('never writes secrets, and redacts PII in logged bodies', async () => {
    const prompt = 'my key is sk-proj-abcdefghijklmnop123456, mail me at jane.doe@example.com or call +1 415 555 0134, card 4111 1111 1111 1111, order 12345';
    const res = await chat(d, { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: prompt }] });
    await res.json();
    const r = await waitForRecord(d, res.headers.get('x-request-id') as string);
    const text = r.bodies?.messages[0]?.text ?? '';
    assert.match(text, /\[EMAIL\]/);
    assert.match(text, /\[CARD\]/);
    assert.match(text, /\[PHONE\]/);
    assert.match(text, /order 12345/, 'plain numbers survive');
    assert.match(r.bodies?.completion ?? '', /\[EMAIL\]/, 'the echoed completion is redacted too');
    const all = logText(d.home);
    for (const secret of [d.key, openai.apiKey, anthropic.apiKey, 'sk-proj-abcdefghijklmnop123456', 'jane.doe@example.com', '4111 1111 1111 1111']) {
      assert.ok(!all.includes(secret), `log contains ${secret}`);
    }
  });

  it('filters by status class, route, key and time; rejects a bad filter with a 400', async () => {
    const errors = await queryLog(d, { status: 'error', since: '10m', limit: '1000' });
    assert.ok(errors.records.length >= 4);
    assert.ok(errors.records.every((r) => r.status >= 400 || r.errorClass));
    const chain = await queryLog(d, { route: 'chain' });
    assert.ok(chain.records.length >= 1 && chain.records.every((r) => r.route === 'chain'));
    const byKey = await queryLog(d, { key: 'master', limit: '1000' });
    assert.ok(byKey.records.length >= 5 && byKey.records.every((r) => r.keyId === 'master'));
    assert.equal((await queryLog(d, { key: 'nobody' })).records.length, 0);
    const fourxx = await queryLog(d, { status: '4xx' });
    assert.ok(fourxx.records.every((r) => r.status >= 400 && r.status < 500));
    const future = await queryLog(d, { since: new Date(Date.now() + 60_000).toISOString() });
    assert.equal(future.records.length, 0);
    const ends = (await queryLog(d, { limit: '50' })).records.map((r) => Date.parse(r.time) + r.durationMs);
    // Newest first (by end time; the ISO start time has millisecond precision, hence the slack).
    for (let i = 1; i < ends.length; i++) assert.ok((ends[i] as number) <= (ends[i - 1] as number) + 2, `record ${i} is newer than ${i - 1}`);
    const bad = await fetch(`${d.url}/switchboard/v1/requests?status=weird`, { headers: authHeaders(d) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /status/);
    const noKey = await fetch(`${d.url}/switchboard/v1/requests`);
    assert.equal(noKey.status, 401, 'the admin endpoint needs the master key');
  });

  it('`switchboard logs` prints filtered records, and follows new ones with -f', async () => {
    const env = { ...process.env, SWITCHBOARD_HOME: d.home };
    const out = spawnSync(process.execPath, [cliPath, 'logs', '--json', '--status', '401', '--limit', '5'], { env, encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as RequestRecord);
    assert.ok(lines.length >= 1 && lines.every((r) => r.status === 401));
    const table = spawnSync(process.execPath, [cliPath, 'logs', '--route', 'chain'], { env, encoding: 'utf8' });
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /POST \/v1\/chat\/completions\s+chain → anthropic\/claude-haiku-4-5/);

    const follower = spawn(process.execPath, [cliPath, 'logs', '-f', '--json', '--limit', '1', '--route', 'openai/gpt-4o-mini'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let seen = '';
      follower.stdout.on('data', (c) => (seen += c));
      const until = async (pred: () => boolean) => {
        const deadline = Date.now() + 10_000;
        while (!pred()) {
          if (Date.now() > deadline) throw new Error(`follower saw:\n${seen}`);
          await new Promise((r) => setTimeout(r, 30));
        }
      };
      await until(() => seen.split('\n').filter(Boolean).length >= 1);
      const id = `follow-${Date.now()}`;
      await (await chat(d, { model: 'openai/gpt-4o-mini' }, { 'x-request-id': id })).json();
      await until(() => seen.includes(`"id":"${id}"`));
    } finally {
      follower.kill('SIGINT');
    }
  });
});

describe('request log storage (real daemon)', function () {
  this.timeout(60_000);
  let openai: FakeOpenAI;
  before(async () => {
    openai = await startFakeOpenAI();
  });
  after(async () => {
    await openai?.close();
  });

  it('rotates by size and prunes to the total cap, newest records kept and queryable', async () => {
    const d = await spawnDaemon({
      configYaml: 'observability:\n  requestLog: { maxFileBytes: 4096, maxTotalBytes: 16384 }\n',
      env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url },
    });
    try {
      for (let i = 0; i < 80; i++) await (await chat(d, { model: 'openai/gpt-4o-mini' }, { 'x-request-id': `rot-${i}` })).json();
      const { records } = await queryLog(d, { limit: '1' });
      assert.equal(records[0]?.id, 'rot-79');
      const dir = path.join(d.home, 'logs', 'requests');
      const files = readdirSync(dir);
      assert.ok(files.length >= 2, `rotated into ${files.length} files`);
      const total = files.reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
      assert.ok(total <= 16384 + 4096 + 2048, `total ${total} bytes`);
      const all = (await queryLog(d, { limit: '1000' })).records;
      assert.ok(all.length < 80, 'the oldest were pruned');
    } finally {
      await d.stop();
    }
  });

  it('counts drops instead of slowing requests when the queue is tiny; written + dropped = requests', async () => {
    const d = await spawnDaemon({ configYaml: 'observability:\n  requestLog: { queueSize: 1 }\n', env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url } });
    try {
      const n = 200;
      const statuses = await Promise.all(Array.from({ length: n }, async () => (await chat(d, { model: 'openai/gpt-4o-mini' })).status));
      assert.ok(statuses.every((s) => s === 200));
      const { records, dropped } = await queryLog(d, { limit: '1000' });
      assert.equal(records.length + dropped, n);
    } finally {
      await d.stop();
    }
  });

  it('keeps the last day across a restart: the summary is rebuilt from the log', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'sb-obs-restart-'));
    const key = 'sb-restart-test-key';
    const env = { ...process.env, OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url, SWITCHBOARD_HOME: home, SWITCHBOARD_MASTER_KEY: key };
    // Both daemons share one data folder, so this test starts them itself (the helper gives each its own).
    const start = async () => {
      const proc = spawn(process.execPath, [cliPath, 'serve', '--port', '0'], { env, stdio: 'ignore' });
      const state = path.join(home, 'daemon.json');
      const deadline = Date.now() + 15_000;
      while (!existsSync(state)) {
        if (Date.now() > deadline) throw new Error('daemon did not start');
        await new Promise((r) => setTimeout(r, 20));
      }
      const url = `http://127.0.0.1:${(JSON.parse(readFileSync(state, 'utf8')) as { port: number }).port}`;
      const stop = () => new Promise((r) => (proc.once('exit', r), proc.kill('SIGTERM')));
      return { url, stop };
    };
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    try {
      const first = await start();
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${first.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });
        assert.equal(res.status, 200);
        await res.json();
      }
      await first.stop();
      const second = await start();
      try {
        const s = (await (await fetch(`${second.url}/switchboard/v1/summary?window=1h`, { headers })).json()) as { total: { requests: number } };
        assert.equal(s.total.requests, 5);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
