/**
 * "Security by default" against the real daemon: the master key on the TCP port (both doors, both header
 * forms), Host and Origin checks (DNS rebinding, foreign pages), CORS for loopback pages, loopback-only
 * listening, the 0600 unix socket that needs no key, the generated 0600 master key printed once, `auth: none`,
 * and config errors that name the path.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fakeAnthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import {
  assertAnthropicError,
  assertLogClean,
  assertNoLeak,
  assertOpenAIError,
  bearer,
  http,
  parseRawResponse,
  rawExchange,
  runCli,
  startServe,
  stopServe,
  until,
  type ServeProcess,
} from '../helpers/http.js';

const user = [{ role: 'user', content: 'hello' }];
const chatBody = { model: 'openai/gpt-4o-mini', messages: user };
const anthropicBody = { model: 'anthropic/claude-haiku-4-5', max_tokens: 20, messages: user };

/** Connects to host:port; resolves with the error code, or 'connected'. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, 2000);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code ?? e.message);
    });
  });
}

describe('security by default (real daemon)', function () {
  this.timeout(20_000);
  let openai: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let d: TestDaemon;
  const secrets = () => [d.key, openai.apiKey, anthropic.apiKey];

  before(async () => {
    openai = await startFakeOpenAI();
    anthropic = await startFakeAnthropic();
    d = await spawnDaemon({
      generateKey: true,
      env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: anthropic.apiKey, ANTHROPIC_BASE_URL: anthropic.url },
    });
  });
  after(async () => {
    await d?.stop();
    await openai?.close();
    await anthropic?.close();
  });

  describe('the master key', () => {
    it('no key → 401 in each door\'s shape, and nothing reaches the upstream', async () => {
      openai.reset();
      const a = await http(d.url, '/v1/chat/completions', { body: chatBody });
      assertOpenAIError(a, 401, 'invalid_api_key', 'authentication_error');
      const b = await http(d.url, '/v1/messages', { body: anthropicBody });
      assertAnthropicError(b, 401, 'authentication_error');
      const m = await http(d.url, '/v1/models');
      assertOpenAIError(m, 401, 'invalid_api_key');
      assert.equal(openai.requests.length + anthropic.requests.length, 0);
      for (const r of [a, b, m]) assertNoLeak(r.text, secrets());
    });

    it('a wrong key → 401 (Bearer and x-api-key, both doors), and the real key is never echoed', async () => {
      // The last character changed: a generated key ends in 'X' one time in 64, and 'X' would then be the key itself.
      const wrong = `${d.key.slice(0, -1)}${d.key.endsWith('X') ? 'Y' : 'X'}`;
      const a = await http(d.url, '/v1/chat/completions', { body: chatBody, headers: bearer(wrong) });
      assertOpenAIError(a, 401, 'invalid_api_key');
      const b = await http(d.url, '/v1/messages', { body: anthropicBody, headers: { 'x-api-key': wrong } });
      assertAnthropicError(b, 401, 'authentication_error');
      const c = await http(d.url, '/v1/chat/completions', { body: chatBody, headers: { authorization: `Basic ${Buffer.from(`u:${d.key}`).toString('base64')}` } });
      assertOpenAIError(c, 401);
      const e = await http(d.url, '/v1/chat/completions', { body: chatBody, headers: bearer(d.key.slice(0, 10)) });
      assertOpenAIError(e, 401);
      for (const r of [a, b, c, e]) assertNoLeak(r.text, secrets());
    });

    it('the key as Authorization: Bearer is accepted on both doors', async () => {
      const a = await http(d.url, '/v1/chat/completions', { body: chatBody, headers: bearer(d.key) });
      assert.equal(a.status, 200, a.text);
      const b = await http(d.url, '/v1/messages', { body: anthropicBody, headers: bearer(d.key) });
      assert.equal(b.status, 200, b.text);
      assert.equal(b.json.type, 'message');
    });

    it('the key as x-api-key is accepted on both doors', async () => {
      const a = await http(d.url, '/v1/messages', { body: anthropicBody, headers: { 'x-api-key': d.key, 'anthropic-version': '2023-06-01' } });
      assert.equal(a.status, 200, a.text);
      const b = await http(d.url, '/v1/chat/completions', { body: chatBody, headers: { 'x-api-key': d.key } });
      assert.equal(b.status, 200, b.text);
      const m = await http(d.url, '/v1/models', { headers: { 'x-api-key': d.key } });
      assert.equal(m.status, 200);
    });

    it('the daemon\'s key is not forwarded upstream: each provider gets its own key', async () => {
      openai.reset();
      anthropic.reset();
      await http(d.url, '/v1/chat/completions', { body: chatBody, headers: bearer(d.key) });
      await http(d.url, '/v1/messages', { body: anthropicBody, headers: { 'x-api-key': d.key } });
      const sent = JSON.stringify([...openai.requests, ...anthropic.requests].map((r) => r.headers));
      assert.ok(!sent.includes(d.key), 'the master key went upstream');
    });

    it('/health answers without a key', async () => {
      const r = await http(d.url, '/health');
      assert.equal(r.status, 200);
      assert.equal(r.json.status, 'ok');
      assert.ok(Array.isArray(r.json.tiers));
      assertNoLeak(JSON.stringify(r.json.tiers.map((t: { id: string; state: string }) => [t.id, t.state])), secrets());
      assert.ok(!r.text.includes(d.key));
    });
  });

  describe('Host and Origin', () => {
    it('a foreign Host (DNS rebinding) → 403, even with the right key and even on /health', async () => {
      for (const host of ['evil.example:4747', 'evil.example', 'localhost.evil.example', '127.0.0.1.nip.io:4747', '10.0.0.1']) {
        const r = await http(d.url, '/v1/chat/completions', { body: chatBody, headers: { ...bearer(d.key), host } });
        const e = assertOpenAIError(r, 403, 'forbidden_host', 'permission_error');
        assert.ok(e.message.includes(host), e.message);
        assertNoLeak(r.text, secrets());
      }
      const h = await http(d.url, '/health', { headers: { host: 'evil.example:4747' } });
      assert.equal(h.status, 403);
      const m = await http(d.url, '/v1/messages', { body: anthropicBody, headers: { 'x-api-key': d.key, host: 'evil.example' } });
      assertAnthropicError(m, 403, 'permission_error');
    });

    it('loopback Host names are accepted (localhost, 127.0.0.1, [::1], any port)', async () => {
      for (const host of ['localhost', `localhost:${d.port}`, `127.0.0.1:${d.port}`, `[::1]:${d.port}`, 'LOCALHOST:1']) {
        const r = await http(d.url, '/v1/models', { headers: { ...bearer(d.key), host } });
        assert.equal(r.status, 200, `${host}: ${r.text}`);
      }
    });

    it('a request without any Host header (HTTP/1.0) → 403', async () => {
      const raw = parseRawResponse(await rawExchange(d.port, [`GET /v1/models HTTP/1.0\r\nAuthorization: Bearer ${d.key}\r\n\r\n`]));
      assert.equal(raw.status, 403);
    });

    it('a foreign Origin → 403, even with the right key; no CORS headers are granted', async () => {
      for (const origin of ['https://evil.example', 'http://localhost.evil.example', 'null', 'file://']) {
        const r = await http(d.url, '/v1/chat/completions', { body: chatBody, headers: { ...bearer(d.key), origin } });
        assertOpenAIError(r, 403, 'forbidden_origin');
        assert.equal(r.headers['access-control-allow-origin'], undefined);
      }
      const pre = await http(d.url, '/v1/chat/completions', {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      assert.equal(pre.status, 403, 'a foreign preflight is refused');
      assert.equal(pre.headers['access-control-allow-origin'], undefined);
    });

    it('a loopback Origin is allowed, with CORS headers on the response', async () => {
      const origin = 'http://localhost:5173';
      const r = await http(d.url, '/v1/chat/completions', { body: chatBody, headers: { ...bearer(d.key), origin } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['access-control-allow-origin'], origin);
      assert.match(String(r.headers['access-control-expose-headers']), /x-request-id/);
      assert.match(String(r.headers.vary), /origin/i);
      const e = await http(d.url, '/v1/chat/completions', { body: chatBody, headers: { origin: 'http://127.0.0.1:3000' } });
      assertOpenAIError(e, 401);
      assert.equal(e.headers['access-control-allow-origin'], 'http://127.0.0.1:3000', 'a loopback page can read the error');
    });

    it('an OPTIONS preflight from a loopback page → 204 with the allowed methods and headers, no key needed', async () => {
      const origin = 'http://127.0.0.1:8080';
      const r = await http(d.url, '/v1/messages', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key, content-type' },
      });
      assert.equal(r.status, 204, r.text);
      assert.equal(r.headers['access-control-allow-origin'], origin);
      assert.match(String(r.headers['access-control-allow-methods']), /POST/);
      const allowed = String(r.headers['access-control-allow-headers']).toLowerCase();
      for (const h of ['authorization', 'x-api-key', 'content-type', 'anthropic-version']) assert.ok(allowed.includes(h), `allows ${h}: ${allowed}`);
      const unknown = await http(d.url, '/v1/nope', { method: 'OPTIONS', headers: { origin } });
      assert.equal(unknown.status, 404);
    });
  });

  describe('where it listens', () => {
    it('listens on 127.0.0.1 only: other local interface addresses refuse the connection', async function () {
      assert.equal(await tryConnect('127.0.0.1', d.port), 'connected');
      const others = Object.values(os.networkInterfaces())
        .flat()
        .filter((a): a is os.NetworkInterfaceInfo => !!a && !a.address.startsWith('127.') && a.address !== '::1' && !a.address.startsWith('fe80'));
      if (others.length === 0) {
        // No other interface on this machine: nothing else to connect to. IPv6 loopback is still a second address.
        console.log('      (no non-loopback interface address on this machine; checked ::1 only)');
      }
      for (const a of others) {
        const result = await tryConnect(a.address, d.port);
        assert.notEqual(result, 'connected', `the daemon answers on ${a.address}`);
      }
      const v6 = await tryConnect('::1', d.port);
      assert.notEqual(v6, 'connected', 'the daemon answers on ::1 although it binds 127.0.0.1');
    });

    it('the unix socket is mode 0600 and serves without a key (and ignores Host checks meant for TCP)', async () => {
      const mode = statSync(d.socketPath).mode & 0o777;
      assert.equal(mode.toString(8), '600');
      const models = await http({ socketPath: d.socketPath }, '/v1/models');
      assert.equal(models.status, 200, models.text);
      const chat = await http({ socketPath: d.socketPath }, '/v1/chat/completions', { body: chatBody });
      assert.equal(chat.status, 200, chat.text);
      assert.equal(chat.json.choices[0].message.content, 'echo: hello');
      const msg = await http({ socketPath: d.socketPath }, '/v1/messages', { body: anthropicBody });
      assert.equal(msg.status, 200, msg.text);
    });

    it('the data folder is private (0700) and the generated master.key is 0600', async () => {
      assert.equal((statSync(d.home).mode & 0o777).toString(8), '700');
      assert.equal((statSync(path.join(d.home, 'master.key')).mode & 0o777).toString(8), '600');
      assert.equal((statSync(path.join(d.home, 'daemon.json')).mode & 0o077), 0, 'daemon.json is not readable by others');
    });

    it('shutdown is not reachable over TCP, even with the key', async () => {
      const r = await http(d.url, '/switchboard/v1/shutdown', { body: {}, headers: bearer(d.key) });
      assertOpenAIError(r, 404);
      const h = await http(d.url, '/health');
      assert.equal(h.status, 200);
    });
  });

  describe('afterwards', () => {
    it('the daemon log carries no stack trace and no provider key; the master key appears once (its first-start notice)', () => {
      const out = d.output();
      assertLogClean(out, [openai.apiKey, anthropic.apiKey]);
      assert.equal(out.split(d.key).length - 1, 1, 'the generated master key is printed exactly once');
      assert.match(out, /master key was generated/i);
    });
  });
});

describe('master key on first start and on restart', function () {
  this.timeout(20_000);
  let home: string;
  let first: ServeProcess | undefined;
  let second: ServeProcess | undefined;
  before(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'sb-sec-'));
  });
  after(async () => {
    await stopServe(first);
    await stopServe(second);
    rmSync(home, { recursive: true, force: true });
  });

  it('prints a generated key on first start only; the second start on the same data folder reuses it silently', async () => {
    first = await startServe(home);
    assert.ok(first.state, first.output());
    const key = readFileSync(path.join(home, 'master.key'), 'utf8').trim();
    assert.match(key, /^sb-[A-Za-z0-9_-]{20,}$/);
    assert.equal((statSync(path.join(home, 'master.key')).mode & 0o777).toString(8), '600');
    const started = first;
    await until(() => started.output().includes('Switchboard is serving'), 'the start banner');
    assert.equal(first.output().split(key).length - 1, 1, 'printed once on first start');
    assert.equal(await stopServe(first), 0);
    first = undefined;

    second = await startServe(home);
    assert.ok(second.state, second.output());
    const again = second;
    await until(() => again.output().includes('Switchboard is serving'), 'the start banner');
    assert.ok(!second.output().includes(key), 'the second start must not print the key again');
    assert.match(second.output(), /master\.key/, 'it says where the key is');
    const r = await http({ port: second.state.port }, '/v1/models', { headers: bearer(key) });
    assert.equal(r.status, 200, 'the same key still works');
  });

  it('SWITCHBOARD_MASTER_KEY wins, is never printed or logged, and no key file is written for it', async () => {
    await stopServe(second);
    second = undefined;
    const envHome = mkdtempSync(path.join(os.tmpdir(), 'sb-sec-env-'));
    const envKey = 'my-own-master-key-0123456789abcdef';
    const sp = await startServe(envHome, { env: { SWITCHBOARD_MASTER_KEY: envKey } });
    try {
      assert.ok(sp.state, sp.output());
      const ok = await http({ port: sp.state.port }, '/v1/models', { headers: bearer(envKey) });
      assert.equal(ok.status, 200);
      const bad = await http({ port: sp.state.port }, '/v1/models', { headers: bearer('sb-other') });
      assert.equal(bad.status, 401);
      assert.ok(!statSafe(path.join(envHome, 'master.key')), 'no master.key written when the key comes from the environment');
      assert.equal(await stopServe(sp), 0);
      assertLogClean(sp.output(), [envKey]);
    } finally {
      await stopServe(sp);
      rmSync(envHome, { recursive: true, force: true });
    }
  });
});

function statSafe(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

describe('auth: none and config errors', function () {
  this.timeout(20_000);

  it('server.auth: none lets keyless TCP requests through (Host/Origin checks stay on) and warns in the log', async () => {
    const openai = await startFakeOpenAI();
    let d: TestDaemon | undefined;
    try {
      d = await spawnDaemon({ configYaml: 'server:\n  auth: none\n', env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url } });
      const r = await http(d.url, '/v1/chat/completions', { body: chatBody });
      assert.equal(r.status, 200, r.text);
      const m = await http(d.url, '/v1/models');
      assert.equal(m.status, 200);
      const host = await http(d.url, '/v1/models', { headers: { host: 'evil.example' } });
      assert.equal(host.status, 403, 'DNS-rebinding protection does not depend on auth');
      const origin = await http(d.url, '/v1/models', { headers: { origin: 'https://evil.example' } });
      assert.equal(origin.status, 403);
      assert.match(d.output(), /authentication is off/);
      assert.ok(!statSafe(path.join(d.home, 'master.key')), 'no key generated when auth is off');
    } finally {
      await d?.stop();
      await openai.close();
    }
  });

  it('a config using ${env:VAR} of an unset variable → serve exits non-zero naming the path and the variable', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'sb-sec-cfg-'));
    try {
      const file = path.join(home, 'switchboard.yaml');
      writeFileSync(file, 'providers:\n  openai:\n    apiKey: ${env:SB_TEST_UNSET_VARIABLE}\n');
      const r = await runCli(['serve', '--port', '0', '--config', file], { SWITCHBOARD_HOME: home });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /providers\.openai\.apiKey/);
      assert.match(r.stderr, /SB_TEST_UNSET_VARIABLE/);
      assertNoLeak(r.stderr, []);
      assert.ok(!statSafe(path.join(home, 'daemon.json')), 'it never started');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('an invalid config value (a public host, a bad port) → exits non-zero naming each path', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'sb-sec-cfg-'));
    try {
      const file = path.join(home, 'switchboard.yaml');
      writeFileSync(file, 'server:\n  host: 0.0.0.0\n  port: 99999\n');
      const r = await runCli(['serve', '--port', '0', '--config', file], { SWITCHBOARD_HOME: home });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /server\.host/);
      assert.match(r.stderr, /server\.port/);
      assertNoLeak(r.stderr, []);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
