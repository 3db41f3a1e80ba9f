/**
 * Virtual keys against the real daemon: created, listed, rotated and revoked through the admin API and the
 * CLI; only a hash stored; scopes (models, endpoints, expiry) enforced in each door's error shape; the
 * master key administers, virtual keys only call models, the unix socket stays keyless.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fakeAnthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { call, chat, cli, createKey, socketGet } from './access.js';

describe('virtual keys', () => {
  let openai: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let d: TestDaemon;

  before(async () => {
    openai = await startFakeOpenAI();
    anthropic = await startFakeAnthropic();
    d = await spawnDaemon({
      env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: anthropic.apiKey, ANTHROPIC_BASE_URL: anthropic.url },
    });
  });
  after(async () => {
    await d?.stop();
    await openai?.close();
    await anthropic?.close();
  });

  it('creates a key whose secret is shown once and stored only as a hash', async () => {
    const { id, secret, key } = await createKey(d, { user: 'alice', team: 'research', name: 'notebook' });
    assert.match(secret, /^sk-sb-[A-Za-z0-9_-]{32}$/);
    assert.equal(key.state, 'active');
    assert.equal(key.user, 'alice');
    assert.equal(key.prefix, secret.slice(0, 10));
    const list = await call(d.url, '/switchboard/v1/keys', d.key);
    assert.equal(list.status, 200);
    const listed = list.json.keys.find((k: any) => k.id === id);
    assert.ok(listed);
    assert.ok(!list.text.includes(secret), 'the list never carries the secret');
    assert.ok(!('hash' in listed), 'nor its hash');
    const stored = readFileSync(path.join(d.home, 'keys.json'), 'utf8');
    assert.ok(!stored.includes(secret), 'keys.json holds no secret');
    assert.match(stored, /"hash": "[0-9a-f]{64}"/);
    assert.ok(!d.output().includes(secret), 'the log never shows the secret');
  });

  it('lets a virtual key call models, and refuses it on admin endpoints', async () => {
    const { secret } = await createKey(d, { user: 'bob' });
    const ok = await chat(d, secret);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.choices[0].message.content, 'echo: hello there');
    const admin = await call(d.url, '/switchboard/v1/keys', secret);
    assert.equal(admin.status, 403);
    assert.equal(admin.json.error.code, 'admin_only');
    const create = await call(d.url, '/switchboard/v1/keys', secret, { user: 'mallory' });
    assert.equal(create.status, 403);
    const usage = await call(d.url, '/switchboard/v1/usage', secret);
    assert.equal(usage.status, 403);
  });

  it('refuses unknown keys with 401 in the door\'s shape', async () => {
    const r = await chat(d, 'sk-sb-not-a-real-key-at-all-000000000000');
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 'invalid_api_key');
    const a = await call(d.url, '/v1/messages', 'sk-sb-nope', { model: 'anthropic/claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(a.status, 401);
    assert.equal(a.json.type, 'error');
    assert.equal(a.json.error.type, 'authentication_error');
  });

  it('enforces the model scope on the client name and the resolved target, in both doors', async () => {
    const { secret } = await createKey(d, { user: 'carol', models: ['openai/gpt-4o-mini', 'claude-*'] });
    assert.equal((await chat(d, secret, { model: 'gpt-4o-mini' })).status, 200, 'bare name resolving to an allowed target');
    const denied = await chat(d, secret, { model: 'openai/gpt-4o' });
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error.code, 'model_not_allowed');
    assert.match(denied.json.error.message, /may not use model "openai\/gpt-4o"/);
    const viaAnthropic = await call(d.url, '/v1/messages', secret, { model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(viaAnthropic.status, 200, viaAnthropic.text);
    const deniedAnthropic = await call(d.url, '/v1/messages', secret, { model: 'openai/gpt-4o', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(deniedAnthropic.status, 403);
    assert.equal(deniedAnthropic.json.error.type, 'permission_error');
    assert.equal(openai.requests.filter((r) => r.body?.model === 'gpt-4o').length, 0, 'a refused request never reaches the upstream');
  });

  it('enforces the endpoint scope', async () => {
    const { secret } = await createKey(d, { user: 'dave', endpoints: ['/v1/chat/completions'] });
    assert.equal((await chat(d, secret)).status, 200);
    const r = await call(d.url, '/v1/messages', secret, { model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.status, 403);
    assert.match(r.json.error.message, /may not call \/v1\/messages/);
  });

  it('refuses an expired key', async () => {
    const { secret } = await createKey(d, { user: 'erin', expiresAt: new Date(Date.now() + 400).toISOString() });
    assert.equal((await chat(d, secret)).status, 200);
    await new Promise((r) => setTimeout(r, 500));
    const r = await chat(d, secret);
    assert.equal(r.status, 401);
    assert.match(r.json.error.message, /valid until/);
  });

  it('rotates (old secret dead, new one alive, same id) and revokes', async () => {
    const { id, secret } = await createKey(d, { user: 'frank' });
    const rotated = await call(d.url, '/switchboard/v1/keys/rotate', d.key, { id });
    assert.equal(rotated.status, 200);
    assert.equal(rotated.json.key.id, id);
    assert.notEqual(rotated.json.secret, secret);
    assert.equal((await chat(d, secret)).status, 401);
    assert.equal((await chat(d, rotated.json.secret)).status, 200);
    const revoked = await call(d.url, '/switchboard/v1/keys/revoke', d.key, { id });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.json.key.state, 'revoked');
    const after = await chat(d, rotated.json.secret);
    assert.equal(after.status, 401);
    assert.match(after.json.error.message, /revoked/);
    assert.equal((await call(d.url, '/switchboard/v1/keys/revoke', d.key, { id: 'key_nope' })).status, 404);
  });

  it('rejects bad admin input with a clear 400', async () => {
    const r = await call(d.url, '/switchboard/v1/keys', d.key, { team: 'no-user', rpm: 'x' });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /user/);
  });

  it('keeps the master key working for models and the unix socket keyless for admin', async () => {
    assert.equal((await chat(d, d.key)).status, 200);
    const r = await socketGet(d.socketPath, '/switchboard/v1/keys');
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.json.keys));
  });

  it('manages keys from the CLI over the socket', async () => {
    const env = { SWITCHBOARD_HOME: d.home };
    const created = await cli(['keys', 'create', '--user', 'gina', '--team', 'ops', '--models', 'openai/*', '--rpm', '5', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const { key, secret } = JSON.parse(created.stdout);
    assert.deepEqual(key.limits, { rpm: 5 });
    assert.equal((await chat(d, secret)).status, 200);
    const listed = await cli(['keys', 'list'], env);
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, new RegExp(`${key.id}\\s+sk-sb-\\S+…\\s+active\\s+gina`));
    assert.ok(!listed.stdout.includes(secret));
    const revoked = await cli(['keys', 'revoke', key.id], env);
    assert.equal(revoked.code, 0);
    assert.equal((await chat(d, secret)).status, 401);
    const bad = await cli(['keys', 'create'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--user/);
  });
});
