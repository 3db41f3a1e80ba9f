/**
 * Regression tests for bugs found while writing the bad-input, security and lifecycle suites (each comment
 * says what was wrong and where): provider keys echoed by upstream errors, signals during start-up, local
 * max_tokens beyond the context, deeply nested JSON, and 413s lost to TCP resets.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fakeAnthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, waitForTier, type TestDaemon } from '../helpers/daemon.js';
import { tinyModelPath } from '../helpers/paths.js';
import { assertAnthropicError, assertNoLeak, assertOpenAIError, bearer, http, rawExchange } from '../helpers/http.js';

const user = [{ role: 'user', content: 'hello' }];

describe('daemon regressions', function () {
  this.timeout(30_000);

  // → badInput.test.ts, "upstream failures".
  // Bug: an upstream error message that echoes our provider key is passed to the caller unredacted when the
  // key is not shaped like sk-…/sb-…: mapSdkError (daemon/src/providers/sdkErrors.ts) runs only the generic
  // `redact()` patterns over the upstream detail; the configured provider keys, which the logger knows
  // (log.addSecret in daemon.ts), are not applied to error messages (redactKnown with the provider keys).
  describe('upstream 401 that echoes the provider key', () => {
    const OPENAI_KEY = 'upstream-openai-key-7f3a9c1e5b';
    const ANTHROPIC_KEY = 'upstream-anthropic-key-2d8e4f6a0c';
    let openai: FakeOpenAI;
    let anthropic: FakeAnthropic;
    let d: TestDaemon;
    before(async () => {
      openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
      anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_KEY });
      d = await spawnDaemon({ env: { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: ANTHROPIC_KEY, ANTHROPIC_BASE_URL: anthropic.url } });
    });
    after(async () => {
      await d?.stop();
      await openai?.close();
      await anthropic?.close();
    });

    it('OpenAI door: 502, and the upstream key never appears in the response body', async () => {
      openai.script({ status: 401, error: { message: `Incorrect API key provided: ${OPENAI_KEY}.`, code: 'invalid_api_key' } });
      const r = await http(d.url, '/v1/chat/completions', { body: { model: 'openai/gpt-4o-mini', messages: user }, headers: bearer(d.key) });
      assertOpenAIError(r, 502);
      assertNoLeak(r.text, [OPENAI_KEY]);
    });

    it('Anthropic door: 502, and the upstream key never appears in the response body', async () => {
      anthropic.script({ status: 401, error: { type: 'authentication_error', message: `invalid x-api-key ${ANTHROPIC_KEY}` } });
      const r = await http(d.url, '/v1/messages', { body: { model: 'anthropic/claude-haiku-4-5', max_tokens: 5, messages: user }, headers: { 'x-api-key': d.key } });
      assertAnthropicError(r, 502);
      assertNoLeak(r.text, [ANTHROPIC_KEY]);
    });
  });

  // → lifecycle.test.ts, "SIGTERM".
  // Bug: daemon.json (the "I am up" signal clients and the test helper wait for) is written inside
  // startDaemon (daemon/src/daemon.ts), but the SIGTERM/SIGINT handlers are installed only afterwards in
  // runServe (daemon/src/cli/serve.ts, after the banner). A signal in that window kills the process with the
  // default action: exit by signal (code null), no graceful stop, daemon.json and the socket left behind.
  // Fix: install the handlers before startDaemon (queue the stop until it resolves), or write the state last.
  it('a SIGTERM/SIGINT right after daemon.json appears still stops gracefully (exit 0, files removed)', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const d = await spawnDaemon();
      const home = d.home;
      const socket = d.socketPath;
      d.proc.kill(signal);
      const code = await new Promise<number | null>((resolve) => d.proc.once('exit', (c) => resolve(c)));
      const leftState = existsSync(path.join(home, 'daemon.json'));
      const leftSocket = existsSync(socket);
      await d.stop();
      assert.equal(code, 0, `${signal} right after start: exit code`);
      assert.ok(!leftState, `${signal}: daemon.json left behind`);
      assert.ok(!leftSocket, `${signal}: socket left behind`);
    }
  });

  // → badInput.test.ts (or a local-tier suite).
  // Bug: on the local tier a max_tokens larger than the room left in the context is not clamped:
  // daemon/src/providers/llamacpp/generation.ts:71 `const maxTokens = request.maxTokens ?? room;` uses the
  // caller's value as is, so with a model that does not stop by itself generation runs on (context shift)
  // for as long as max_tokens allows — max_tokens: 1e9 ties up a sequence practically forever, and one
  // request can starve the tier. Expected: clamp to `room` (finish_reason "length"), or reject with 400.
  describe('local tier: max_tokens beyond the context', () => {
    let d: TestDaemon;
    before(async () => {
      d = await spawnDaemon({ env: { SWITCHBOARD_LOCAL_MODEL: tinyModelPath }, configYaml: 'providers:\n  local:\n    contextSize: 256\n' });
      await waitForTier(d, 'local');
    });
    after(async () => {
      await d?.stop();
    });

    it('max_tokens 1000000 with a 256-token context ends by length within the context (or 400), promptly', async () => {
      const r = await http(d.url, '/v1/chat/completions', {
        body: { model: 'local/default', max_tokens: 1_000_000, messages: user },
        headers: bearer(d.key),
        timeoutMs: 10_000,
      });
      if (r.status === 400) return assertOpenAIError(r, 400);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.choices[0].finish_reason, 'length');
      assert.ok(r.json.usage.prompt_tokens + r.json.usage.completion_tokens <= 256, JSON.stringify(r.json.usage));
    });
  });

  // → badInput.test.ts, "invalid fields".
  // Bug: a caller's body nested very deeply (here tools[0].function.parameters, 20,000 levels, ~120 KB, far
  // under the body limit) passes validation and then blows the stack while the request is processed
  // (RangeError: Maximum call stack size exceeded). With the working tree of 08:37 the answer is a 500
  // internal_error — the token estimate JSON.stringify's the tool parameters
  // (daemon/src/limits/tokenCount.ts:45-46); before that it surfaced in the SDK as 502 "OpenAI failed: …".
  // Either way a caller's mistake becomes a 5xx. Expected 400 naming the problem: a nesting-depth check
  // right after JSON.parse in daemon/src/server/body.ts (e.g. depth ≤ 64/128) covers every later stage.
  describe('deeply nested JSON', () => {
    let openai: FakeOpenAI;
    let d: TestDaemon;
    before(async () => {
      openai = await startFakeOpenAI();
      d = await spawnDaemon({ env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url } });
    });
    after(async () => {
      await d?.stop();
      await openai?.close();
    });

    it('tool parameters nested 20,000 levels deep → 400, not a 5xx', async () => {
      let deep = '{}';
      for (let i = 0; i < 20_000; i++) deep = `{"a":${deep}}`;
      const body = `{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":${deep}}}]}`;
      const r = await http(d.url, '/v1/chat/completions', { body, headers: { ...bearer(d.key), 'content-type': 'application/json' } });
      assertOpenAIError(r, 400);
      assert.equal(openai.requests.length, 0);
    });
  });
  // → badInput.test.ts, "size limits" (replacing the header-only / exact-crossing variants there).
  // Bug: a client that sends its whole over-limit body (what fetch, the SDKs and curl do) usually gets a
  // connection reset (fetch: "write EPIPE"; raw socket: nothing at all) instead of the 413 — measured 10 of
  // 15 fetches of a 9 MiB body against the default limit. The daemon answers 413 with `connection: close` and
  // closes the socket while the rest of the body is still arriving; closing a TCP socket with unread data
  // sends RST, which discards the 413 on the client side. For chunked bodies the `for await` in
  // daemon/src/server/body.ts additionally destroys the request (and its socket) when it throws.
  // Fix: after deciding 413, stop parsing but keep draining the request (req.resume(), bounded in bytes and
  // time, "lingering close") before closing — daemon/src/server/body.ts and fail() in daemon/src/server/app.ts.
  describe('413 for clients that send the whole body', () => {
    let d: TestDaemon;
    before(async () => {
      d = await spawnDaemon({ configYaml: 'server:\n  maxBodyBytes: 65536\n' });
    });
    after(async () => {
      await d?.stop();
    });

    it('fetch with a 9 MiB body (Content-Length) gets the 413 every time (10 tries)', async () => {
      const body = JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'a'.repeat(9 * 1024 * 1024) }] });
      const seen: string[] = [];
      for (let i = 0; i < 10; i++) {
        try {
          const r = await fetch(`${d.url}/v1/chat/completions`, { method: 'POST', headers: { ...bearer(d.key), 'content-type': 'application/json' }, body });
          seen.push(String(r.status));
          await r.text();
        } catch (e) {
          seen.push(`${(e as Error).message} (${((e as { cause?: Error }).cause)?.message})`);
        }
      }
      assert.deepEqual(seen, Array(10).fill('413'));
    });

    it('a chunked body that keeps coming after the limit gets the 413 every time (20 tries)', async () => {
      const head =
        'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        `Authorization: Bearer ${d.key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
      const piece = 'x'.repeat(8192);
      const chunk = `${piece.length.toString(16)}\r\n${piece}\r\n`;
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        const raw = await rawExchange(d.port, [head, ...Array.from({ length: 100 }, () => chunk)]);
        seen.push(raw.slice(0, 12) || '(connection reset, no response)');
      }
      assert.deepEqual(seen, Array(20).fill('HTTP/1.1 413'));
    });
  });
});
