/**
 * "Bad input gets a clear error and loses nothing": malformed, invalid, oversized and misdirected requests
 * against the real daemon, and upstream failures through the fake providers. Every error must come in the
 * door's own shape with the right status and a message that names the field, must carry no stack trace, path
 * or secret, and must leave the daemon healthy.
 */
import assert from 'node:assert/strict';
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
  readAll,
  sseFrames,
  type HttpResult,
} from '../helpers/http.js';

const SMALL_LIMIT = 64 * 1024;
// Upstream keys deliberately not shaped like `sk-…`: only the daemon's knowledge of them can keep them out.
const OPENAI_UPSTREAM_KEY = 'upstream-openai-key-7f3a9c1e5b';
const ANTHROPIC_UPSTREAM_KEY = 'upstream-anthropic-key-2d8e4f6a0c';

const user = (content = 'hello') => [{ role: 'user', content }];

describe('bad input and upstream failures (real daemon)', function () {
  this.timeout(20_000);
  let openai: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let d: TestDaemon;
  const bodies: string[] = [];

  const secrets = () => [d.key, OPENAI_UPSTREAM_KEY, ANTHROPIC_UPSTREAM_KEY];
  /** A request with the master key; the response body is checked for leaks. */
  async function call(path: string, body: unknown, headers: Record<string, string | number | undefined> = {}, method = 'POST'): Promise<HttpResult> {
    const r = await http(d.url, path, { method, body, headers: { ...bearer(d.key), ...headers } });
    bodies.push(r.text);
    assertNoLeak(r.text, secrets());
    return r;
  }
  const chat = (body: unknown, headers?: Record<string, string>) => call('/v1/chat/completions', body, headers);
  const messages = (body: unknown, headers?: Record<string, string>) => call('/v1/messages', body, { 'anthropic-version': '2023-06-01', ...headers });

  before(async () => {
    openai = await startFakeOpenAI({ apiKey: OPENAI_UPSTREAM_KEY });
    anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_UPSTREAM_KEY });
    d = await spawnDaemon({
      env: { OPENAI_API_KEY: OPENAI_UPSTREAM_KEY, OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: ANTHROPIC_UPSTREAM_KEY, ANTHROPIC_BASE_URL: anthropic.url },
      // No retries and no circuit breaking: each scripted upstream failure is what the caller must see.
      configYaml: `server:\n  maxBodyBytes: ${SMALL_LIMIT}\nresilience:\n  retry:\n    attempts: 0\n  circuitBreaker:\n    minRequests: 100000\n`,
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
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') return;
    const health = await http(d.url, '/health');
    assert.equal(health.status, 200, 'the daemon is still healthy');
    assert.equal(d.proc.exitCode, null, 'the daemon is still running');
  });

  describe('malformed bodies', () => {
    it('malformed JSON → 400 invalid_json on the OpenAI door, naming the JSON problem', async () => {
      const r = await chat('{"model": "openai/gpt-4o-mini", "messages": [', { 'content-type': 'application/json' });
      const e = assertOpenAIError(r, 400, 'invalid_json', 'invalid_request_error');
      assert.match(e.message, /not valid JSON/i);
      assert.equal(openai.requests.length, 0, 'nothing reached the upstream');
    });

    it('malformed JSON → 400 invalid_request_error in the Anthropic shape on /v1/messages', async () => {
      const r = await messages("{model: 'x'}", { 'content-type': 'application/json' });
      const e = assertAnthropicError(r, 400, 'invalid_request_error');
      assert.match(e.message, /not valid JSON/i);
    });

    it('an empty body → 400 saying the body is empty (both doors)', async () => {
      const a = await chat('', { 'content-type': 'application/json' });
      assert.match(assertOpenAIError(a, 400).message, /empty/i);
      const b = await messages('   ', { 'content-type': 'application/json' });
      assert.match(assertAnthropicError(b, 400, 'invalid_request_error').message, /empty/i);
    });

    it('JSON that is not an object (array, string, number, null) → 400 saying an object is expected', async () => {
      for (const text of ['[1,2]', '"hello"', '42', 'null']) {
        const r = await chat(text, { 'content-type': 'application/json' });
        const e = assertOpenAIError(r, 400, 'invalid_request', 'invalid_request_error');
        assert.match(e.message, /object/i, `for body ${text}: ${e.message}`);
      }
      const r = await messages('[]', { 'content-type': 'application/json' });
      assert.match(assertAnthropicError(r, 400, 'invalid_request_error').message, /object/i);
    });
  });

  describe('invalid fields (OpenAI door), each message naming the field', () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['messages not an array', { model: 'openai/gpt-4o-mini', messages: 'hello' }, /messages/],
      ['messages empty', { model: 'openai/gpt-4o-mini', messages: [] }, /messages/],
      ['max_tokens negative', { model: 'openai/gpt-4o-mini', messages: user(), max_tokens: -5 }, /max_tokens/],
      ['max_tokens a string', { model: 'openai/gpt-4o-mini', messages: user(), max_tokens: '10' }, /max_tokens/],
      ['temperature 5', { model: 'openai/gpt-4o-mini', messages: user(), temperature: 5 }, /temperature/],
      ['n = 2', { model: 'openai/gpt-4o-mini', messages: user(), n: 2 }, /\bn\b.*n=1|only n=1/],
      ['an unknown role', { model: 'openai/gpt-4o-mini', messages: [{ role: 'wizard', content: 'hi' }] }, /messages\.0/],
      ['a message without content', { model: 'openai/gpt-4o-mini', messages: [{ role: 'user' }] }, /messages\.0/],
      ['stream not a boolean', { model: 'openai/gpt-4o-mini', messages: user(), stream: 'yes' }, /stream/],
      ['a tool without a name', { model: 'openai/gpt-4o-mini', messages: user(), tools: [{ type: 'function', function: {} }] }, /tools\.0\.function\.name/],
      ['missing model', { messages: user() }, /model/],
      ['missing messages', { model: 'openai/gpt-4o-mini' }, /messages/],
      ['model an empty string', { model: '', messages: user() }, /model/],
    ];
    for (const [name, body, pattern] of cases) {
      it(`${name} → 400 invalid_request_error naming the field`, async () => {
        const r = await chat(body);
        const e = assertOpenAIError(r, 400, 'invalid_request', 'invalid_request_error');
        assert.match(e.message, pattern);
        assert.equal(openai.requests.length, 0, 'nothing reached the upstream');
      });
    }

    it('a tool message that answers no earlier tool call → 400 naming messages.1.tool_call_id', async () => {
      const r = await chat({ model: 'openai/gpt-4o-mini', messages: [...user(), { role: 'tool', tool_call_id: 'call_nope', content: 'sunny' }] });
      const e = assertOpenAIError(r, 400, 'invalid_request', 'invalid_request_error');
      assert.match(e.message, /messages\.1\.tool_call_id/);
      assert.match(e.message, /call_nope/);
    });

    it('reports several invalid fields at once', async () => {
      const r = await chat({ model: 'openai/gpt-4o-mini', messages: user(), temperature: 9, max_tokens: 0 });
      const e = assertOpenAIError(r, 400);
      assert.match(e.message, /temperature/);
      assert.match(e.message, /max_tokens/);
    });
  });

  describe('invalid fields (Anthropic door)', () => {
    it('no max_tokens → 400 invalid_request_error naming max_tokens', async () => {
      const r = await messages({ model: 'anthropic/claude-haiku-4-5', messages: user() });
      assert.match(assertAnthropicError(r, 400, 'invalid_request_error').message, /max_tokens/);
      assert.equal(anthropic.requests.length, 0);
    });

    it('a first message from the assistant → 400 naming messages.0.role', async () => {
      const r = await messages({ model: 'anthropic/claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'assistant', content: 'hi' }, ...user()] });
      assert.match(assertAnthropicError(r, 400, 'invalid_request_error').message, /messages\.0\.role/);
    });

    it('wrong types (messages an object, temperature 3, unknown role) → 400 naming each field', async () => {
      const a = await messages({ model: 'anthropic/claude-haiku-4-5', max_tokens: 10, messages: { role: 'user' } });
      assert.match(assertAnthropicError(a, 400, 'invalid_request_error').message, /messages/);
      const b = await messages({ model: 'anthropic/claude-haiku-4-5', max_tokens: 10, messages: user(), temperature: 3 });
      assert.match(assertAnthropicError(b, 400, 'invalid_request_error').message, /temperature/);
      const c = await messages({ model: 'anthropic/claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'system', content: 'x' }] });
      assert.match(assertAnthropicError(c, 400, 'invalid_request_error').message, /messages\.0\.role/);
      const m = await messages({ max_tokens: 10, messages: user() });
      assert.match(assertAnthropicError(m, 400, 'invalid_request_error').message, /model/);
    });
  });

  describe('size limits, content type, endpoints, methods', () => {
    // These send no byte past the point where the daemon decides, so the 413 is always readable. Clients that
    // keep sending the rest of a big body are covered in pending-bugs.test.ts.txt (connection reset instead
    // of the 413).
    it('a declared Content-Length over server.maxBodyBytes → 413 request_too_large before any body is read (both doors)', async () => {
      for (const [path, door] of [['/v1/chat/completions', 'openai'], ['/v1/messages', 'anthropic']] as const) {
        const head =
          `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Authorization: Bearer ${d.key}\r\nContent-Type: application/json\r\nContent-Length: ${SMALL_LIMIT + 1}\r\n\r\n`;
        const raw = parseRawResponse(await rawExchange(d.port, [head]));
        assertNoLeak(raw.body, secrets());
        const r = { status: raw.status, json: raw.json, text: raw.body };
        if (door === 'openai') assert.match(assertOpenAIError(r, 413, 'request_too_large').message, new RegExp(String(SMALL_LIMIT)));
        else assertAnthropicError(r, 413, 'request_too_large');
      }
      assert.equal(openai.requests.length + anthropic.requests.length, 0);
    });

    it('a chunked body (no Content-Length) that grows over the limit → 413 in the door shape', async () => {
      const head =
        'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        `Authorization: Bearer ${d.key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
      const piece = 'x'.repeat(8192);
      const chunk = `${piece.length.toString(16)}\r\n${piece}\r\n`;
      const start = '{"model":"x","messages":"';
      // 25 + 8 × 8192 bytes: the last chunk crosses the limit, and nothing follows it.
      const chunks = [head, `${start.length.toString(16)}\r\n${start}\r\n`, ...Array.from({ length: SMALL_LIMIT / 8192 }, () => chunk)];
      const raw = parseRawResponse(await rawExchange(d.port, chunks));
      assertNoLeak(raw.body, secrets());
      assertOpenAIError({ status: raw.status, json: raw.json, text: raw.body }, 413, 'request_too_large');
    });

    it('a body just under the limit is accepted (the limit is not off by much)', async () => {
      const content = 'word '.repeat(Math.floor((SMALL_LIMIT - 200) / 5));
      const r = await chat({ model: 'openai/gpt-4o-mini', messages: user(content), max_tokens: 1 });
      assert.equal(r.status, 200, r.text);
    });

    it('wrong or missing content type → 415 unsupported_media_type (both doors)', async () => {
      const body = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: user() });
      const a = await chat(body, { 'content-type': 'text/plain' });
      assert.match(assertOpenAIError(a, 415, 'unsupported_media_type').message, /application\/json.*text\/plain/);
      const b = await chat(body, { 'content-type': 'application/x-www-form-urlencoded' });
      assertOpenAIError(b, 415, 'unsupported_media_type');
      const c = await chat(body); // a string body: no content type at all
      assertOpenAIError(c, 415, 'unsupported_media_type');
      const m = await messages(body, { 'content-type': 'text/plain' });
      assertAnthropicError(m, 415, 'invalid_request_error');
      const ok = await chat(body, { 'content-type': 'application/json; charset=utf-8' });
      assert.equal(ok.status, 200, 'a charset parameter is fine');
    });

    it('an unknown model → 404 model_not_found naming the model (both doors)', async () => {
      const a = await chat({ model: 'totally-unknown-model', messages: user() });
      const e = assertOpenAIError(a, 404, 'model_not_found', 'not_found_error');
      assert.match(e.message, /totally-unknown-model/);
      assert.match(e.message, /\/v1\/models/);
      const b = await messages({ model: 'mystery/model-9', max_tokens: 5, messages: user() });
      assert.match(assertAnthropicError(b, 404, 'not_found_error').message, /mystery\/model-9/);
    });

    it('local/nonexistent → 404 model_not_found listing what the local tier serves', async () => {
      const r = await chat({ model: 'local/nonexistent', messages: user() });
      const e = assertOpenAIError(r, 404, 'model_not_found');
      assert.match(e.message, /local\/nonexistent/);
      assert.match(e.message, /local\/default/);
    });

    it('an unknown endpoint → 404 in the OpenAI shape (and in the Anthropic shape under /v1/messages)', async () => {
      const a = await call('/v1/nope', undefined, {}, 'GET');
      assert.match(assertOpenAIError(a, 404, 'unknown_endpoint').message, /\/v1\/nope/);
      const b = await call('/v1/messages/batches', { x: 1 });
      assertAnthropicError(b, 404, 'not_found_error');
      const c = await call('/', undefined, {}, 'GET');
      assertOpenAIError(c, 404, 'unknown_endpoint');
    });

    it('a wrong method → 405 with an Allow header (both doors)', async () => {
      const a = await call('/v1/chat/completions', undefined, {}, 'GET');
      assert.match(assertOpenAIError(a, 405, 'method_not_allowed').message, /POST/);
      assert.equal(a.headers.allow, 'POST');
      const b = await call('/v1/messages', undefined, {}, 'DELETE');
      assertAnthropicError(b, 405, 'invalid_request_error');
      assert.equal(b.headers.allow, 'POST');
      const c = await call('/v1/models', { x: 1 });
      assertOpenAIError(c, 405, 'method_not_allowed');
      assert.equal(c.headers.allow, 'GET');
    });

    it('a request line that is not HTTP → 400 and the daemon keeps serving', async () => {
      const raw = await rawExchange(d.port, ['HELLO THERE\r\n\r\n'], 3000);
      assert.match(raw, /^HTTP\/1\.1 400/);
      assertNoLeak(raw, secrets());
    });
  });

  describe('upstream failures', () => {
    it('OpenAI 429 with retry-after → 429 rate_limit_error with retry-after passed through', async () => {
      openai.script({ status: 429, retryAfter: 7, error: { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', code: 'rate_limit_exceeded' } });
      const r = await chat({ model: 'openai/gpt-4o-mini', messages: user() });
      assertOpenAIError(r, 429, undefined, 'rate_limit_error');
      assert.equal(r.headers['retry-after'], '7');
      assert.equal(openai.requests.length, 1, 'no retry inside the provider');
    });

    it('Anthropic 429 with retry-after → 429 rate_limit_error in the Anthropic shape with retry-after', async () => {
      anthropic.script({ status: 429, retryAfter: 3 });
      const r = await messages({ model: 'anthropic/claude-haiku-4-5', max_tokens: 10, messages: user() });
      assertAnthropicError(r, 429, 'rate_limit_error');
      assert.equal(r.headers['retry-after'], '3');
    });

    it('upstream 500 → 502 (both doors)', async () => {
      openai.script({ status: 500, error: { message: 'The server had an error while processing your request.' } });
      const a = await chat({ model: 'openai/gpt-4o-mini', messages: user() });
      assert.equal(assertOpenAIError(a, 502).type, 'api_error');
      anthropic.script({ status: 500 });
      const b = await messages({ model: 'anthropic/claude-haiku-4-5', max_tokens: 10, messages: user() });
      assertAnthropicError(b, 502, 'api_error');
    });

    it('upstream 503 and Anthropic 529 (overloaded) → 503', async () => {
      openai.script({ status: 503 });
      const a = await chat({ model: 'openai/gpt-4o-mini', messages: user() });
      assertOpenAIError(a, 503);
      anthropic.script({ status: 529, error: { type: 'overloaded_error', message: 'Overloaded' } });
      const b = await messages({ model: 'anthropic/claude-haiku-4-5', max_tokens: 10, messages: user() });
      assertAnthropicError(b, 503, 'overloaded_error');
      anthropic.script({ status: 529 });
      const c = await chat({ model: 'anthropic/claude-haiku-4-5', messages: user() });
      assertOpenAIError(c, 503);
    });

    it('upstream 401 (our provider key refused) → 502, not the caller\'s fault, and the upstream key never shows', async () => {
      openai.script({ status: 401, error: { code: 'invalid_api_key' } });
      const a = await chat({ model: 'openai/gpt-4o-mini', messages: user() });
      const e = assertOpenAIError(a, 502);
      assert.notEqual(e.type, 'authentication_error', 'the caller\'s key was fine');
      assert.match(e.message, /OpenAI answered 401/);
      anthropic.script({ status: 401, error: { type: 'authentication_error' } });
      const b = await messages({ model: 'anthropic/claude-haiku-4-5', max_tokens: 10, messages: user() });
      assert.notEqual(assertAnthropicError(b, 502).type, 'authentication_error');
      // call() already checked both bodies for the keys; the log is checked at the end of the suite.
    });

    it('a stream error after the first chunk ends the OpenAI stream with data: {"error":…} and no [DONE]', async () => {
      openai.script({ text: 'one two three four', streamError: { afterChunks: 1, message: 'server exploded' } });
      const res = await fetch(`${d.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...bearer(d.key), 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: user(), stream: true }),
      });
      assert.equal(res.status, 200);
      const { text } = await readAll(res);
      assertNoLeak(text, secrets(), 'stream');
      const frames = sseFrames(text);
      assert.ok(frames.some((f) => f.data.includes('"content":"one')), 'the first chunk arrived');
      const last = frames.at(-1);
      assert.ok(last, 'frames');
      const err = JSON.parse(last.data);
      assert.ok(err.error && typeof err.error.message === 'string' && typeof err.error.type === 'string', `last frame: ${last.data}`);
      assert.ok(!text.includes('[DONE]'), 'a failed stream must not end with [DONE]');
    });

    it('a cut upstream connection after the first chunk ends the OpenAI stream with an error frame', async () => {
      openai.script({ text: 'one two three four', cutAfterChunks: 1 });
      const res = await fetch(`${d.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...bearer(d.key), 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: user(), stream: true }),
      });
      assert.equal(res.status, 200);
      const { text } = await readAll(res);
      const last = sseFrames(text).at(-1);
      assert.ok(last && JSON.parse(last.data).error, `last frame: ${last?.data}`);
      assert.ok(!text.includes('[DONE]'));
    });

    it('a stream error / cut connection on the Anthropic door → event: error (no message_stop)', async () => {
      for (const behaviour of [{ streamError: { afterChunks: 1, message: 'boom' } }, { cutAfterChunks: 1 }]) {
        anthropic.script({ text: 'alpha beta gamma delta', ...behaviour });
        const res = await fetch(`${d.url}/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': d.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
          body: JSON.stringify({ model: 'anthropic/claude-haiku-4-5', max_tokens: 50, messages: user(), stream: true }),
        });
        assert.equal(res.status, 200);
        const { text } = await readAll(res);
        assertNoLeak(text, secrets(), 'stream');
        const frames = sseFrames(text);
        assert.ok(frames.some((f) => f.event === 'content_block_delta'), 'the first chunk arrived');
        const last = frames.at(-1);
        assert.equal(last?.event, 'error', `${JSON.stringify(behaviour)}: last frame ${JSON.stringify(last)}`);
        const body = JSON.parse(last.data);
        assert.equal(body.type, 'error');
        assert.equal(typeof body.error.type, 'string');
        assert.equal(typeof body.error.message, 'string');
        assert.ok(!frames.some((f) => f.event === 'message_stop'), `${JSON.stringify(behaviour)}: no message_stop after a failure`);
      }
    });

    it('the same failures on a non-streaming request → 502 in the door shape', async () => {
      // A whole answer is asked for (no stream): its equivalent of an error event is a 200 carrying an error object.
      openai.script({ rawResponse: { body: '{"error":{"message":"boom","type":"server_error"}}' } });
      assertOpenAIError(await chat({ model: 'openai/gpt-4o-mini', messages: user() }), 502);
      openai.script({ text: 'one two three', cutAfterChunks: 1 });
      assertOpenAIError(await chat({ model: 'openai/gpt-4o-mini', messages: user() }), 502);
      anthropic.script({ text: 'one two three', cutAfterChunks: 1 });
      assertAnthropicError(await messages({ model: 'anthropic/claude-haiku-4-5', max_tokens: 10, messages: user() }), 502);
    });

    it('an upstream answer over 64 MB (sent without a length) → 502 naming the limit; the daemon does not hold it', async () => {
      openai.script({ rawResponse: { body: `{"pad":"${'x'.repeat(65 * 1024 * 1024)}"}` } });
      const r = await chat({ model: 'openai/gpt-4o-mini', messages: user() });
      assertOpenAIError(r, 502);
      assert.match(r.json.error.message, /over the 67108864 bytes read/);
    });

    it('an upstream reply that is not JSON → 502, never a 500', async () => {
      openai.script({ rawResponse: { status: 200, headers: { 'content-type': 'text/event-stream' }, body: 'data: {not json\n\n' } });
      const r = await chat({ model: 'openai/gpt-4o-mini', messages: user() });
      assertOpenAIError(r, 502);
    });
  });

  it('after everything: the daemon still serves a normal request, and no response body nor log line leaked', async () => {
    const r = await chat({ model: 'openai/gpt-4o-mini', messages: user('still alive') });
    assert.equal(r.status, 200);
    assert.equal(r.json.choices[0].message.content, 'echo: still alive');
    for (const b of bodies) assert.ok(!/"status":\s*500|internal_error/.test(b), `a 500 was answered: ${b}`);
    assertLogClean(d.output(), secrets());
  });
});

describe('bad input on a daemon with defaults and no provider configured', function () {
  this.timeout(30_000);
  let d: TestDaemon;
  before(async () => {
    d = await spawnDaemon();
  });
  after(async () => {
    await d?.stop();
  });

  it('the default body limit is 8 MiB: a 9 MiB body → 413, a 7.9 MiB body is read', async () => {
    // The 9 MiB body is announced, not sent: see pending-bugs.test.ts.txt for clients that send it all.
    const head =
      'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
      `Authorization: Bearer ${d.key}\r\nContent-Type: application/json\r\nContent-Length: ${9 * 1024 * 1024}\r\n\r\n`;
    const raw = parseRawResponse(await rawExchange(d.port, [head], 10_000));
    const e = assertOpenAIError({ status: raw.status, json: raw.json, text: raw.body }, 413, 'request_too_large');
    assert.match(e.message, /8388608/);

    // Just under the limit: read and parsed, then refused for its model (404), proving the limit is 8 MiB.
    const under = JSON.stringify({ model: 'local/nonexistent', messages: [{ role: 'user', content: 'b'.repeat(8 * 1024 * 1024 - 100_000) }] });
    const r = await http(d.url, '/v1/chat/completions', { body: under, headers: { ...bearer(d.key), 'content-type': 'application/json' } });
    assertOpenAIError(r, 404, 'model_not_found');
  });

  it('a provider that is not configured → 503 naming the environment variable to set (both doors)', async () => {
    const a = await http(d.url, '/v1/chat/completions', { body: { model: 'openai/gpt-4o-mini', messages: user() }, headers: bearer(d.key) });
    const e = assertOpenAIError(a, 503, 'provider_not_configured');
    assert.match(e.message, /OPENAI_API_KEY/);
    const b = await http(d.url, '/v1/messages', { body: { model: 'claude-haiku-4-5', max_tokens: 5, messages: user() }, headers: { 'x-api-key': d.key } });
    assert.match(assertAnthropicError(b, 503).message, /ANTHROPIC_API_KEY/);
    const c = await http(d.url, '/v1/chat/completions', { body: { model: 'local/default', messages: user() }, headers: bearer(d.key) });
    assert.match(assertOpenAIError(c, 503).message, /SWITCHBOARD_LOCAL_MODEL|model/);
    for (const r of [a, b, c]) assertNoLeak(r.text, [d.key]);
  });

  it('model auto with no tier at all → 503 naming the three ways to enable one', async () => {
    const r = await http(d.url, '/v1/chat/completions', { body: { model: 'auto', messages: user() }, headers: bearer(d.key) });
    const e = assertOpenAIError(r, 503, 'no_tier_available');
    assert.match(e.message, /OPENAI_API_KEY/);
    assert.match(e.message, /ANTHROPIC_API_KEY/);
    assert.match(e.message, /SWITCHBOARD_LOCAL_MODEL/);
  });

  it('local/nonexistent → 404 model_not_found', async () => {
    const r = await http(d.url, '/v1/chat/completions', { body: { model: 'local/nonexistent', messages: user() }, headers: bearer(d.key) });
    assertOpenAIError(r, 404, 'model_not_found');
    const health = await http(d.url, '/health');
    assert.equal(health.status, 200);
    assertLogClean(d.output(), [d.key]);
  });
});
