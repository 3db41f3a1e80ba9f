/**
 * The `switchboard` command as a user runs it: help on every command, exit codes, `chat` in-process and
 * through a running daemon (streamed text on stdout, a summary line on stderr), `status`, `stop`, `schema`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, waitForTier, type TestDaemon } from '../helpers/daemon.js';
import { tinyModelPath } from '../helpers/paths.js';
import { assertNoLeak, runCli, until } from '../helpers/http.js';

/** The summary line `— provider/model · N in / M out tokens · S s[ (in-process)]`. */
const SUMMARY = /— (\S+) · (\d+) in \/ (\d+) out tokens · [\d.]+ s( \(in-process\))?/;

describe('switchboard CLI', function () {
  this.timeout(30_000);

  describe('help and usage errors', () => {
    it('--help prints the usage with every command and exits 0', async () => {
      const r = await runCli(['--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Usage: switchboard <command>/);
      for (const c of ['serve', 'chat', 'status', 'stop', 'schema']) assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
      assert.match(r.stdout, /SWITCHBOARD_HOME/);
    });

    it('each command has --help (and -h) that prints its own usage and exits 0', async () => {
      const cases = [
        [['serve', '--help'], /Usage: switchboard serve .*--port/s],
        [['chat', '--help'], /Usage: switchboard chat .*--model.*--max-tokens/s],
        [['status', '--help'], /Usage: switchboard status/],
        [['stop', '--help'], /Usage: switchboard stop/],
        [['schema', '--help'], /Usage: switchboard schema/],
        [['serve', '-h'], /Usage: switchboard serve/],
      ] as const;
      const results = await Promise.all(cases.map(([args]) => runCli([...args])));
      cases.forEach(([args, pattern], i) => {
        const r = results[i]!;
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stdout, pattern);
      });
    });

    it('an unknown command exits 2 with a message naming it and the usage', async () => {
      const r = await runCli(['frobnicate']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /Unknown command "frobnicate"/);
      assert.match(r.stderr, /Usage: switchboard/);
    });

    it('bad options exit 2 with a precise message and no stack trace', async () => {
      const home = mkdtempSync(path.join(os.tmpdir(), 'sb-cli-'));
      try {
        const cases = [
          [['serve', '--port', 'abc'], /--port/],
          [['chat', 'hi', '--max-tokens', '-3'], /--max-tokens/],
          [['chat'], /chat needs the text/],
          [['serve', '--bogus'], /bogus/],
        ] as const;
        const results = await Promise.all(cases.map(([args]) => runCli([...args], { SWITCHBOARD_HOME: home })));
        cases.forEach(([args, pattern], i) => {
          const r = results[i]!;
          assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
          assert.match(r.stderr, pattern);
          assertNoLeak(r.stderr, [], 'stderr');
        });
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });

    it('schema prints the JSON Schema of switchboard.yaml', async () => {
      const r = await runCli(['schema']);
      assert.equal(r.code, 0, r.stderr);
      const schema = JSON.parse(r.stdout);
      assert.equal(schema.type, 'object');
      assert.ok(schema.properties?.server?.properties?.port, 'server.port is described');
      assert.ok(schema.properties?.providers, 'providers are described');
      assert.ok(schema.properties?.aliases, 'aliases are described');
    });
  });

  describe('without a daemon', () => {
    let home: string;
    before(() => {
      home = mkdtempSync(path.join(os.tmpdir(), 'sb-cli-'));
    });
    after(() => rmSync(home, { recursive: true, force: true }));

    it('status says no daemon serves the data folder (exit 3)', async () => {
      const r = await runCli(['status'], { SWITCHBOARD_HOME: home });
      assert.equal(r.code, 3);
      assert.match(r.stdout, /No daemon serves/);
      assert.ok(r.stdout.includes(home));
    });

    it('stop with no daemon says so and exits 0', async () => {
      const r = await runCli(['stop'], { SWITCHBOARD_HOME: home });
      assert.equal(r.code, 0);
      assert.match(r.stdout, /No daemon serves/);
    });

    it('chat "hello" --model local/default --max-tokens 8 runs in-process on the local model', async () => {
      const r = await runCli(['chat', 'hello', '--model', 'local/default', '--max-tokens', '8'], { SWITCHBOARD_HOME: home, SWITCHBOARD_LOCAL_MODEL: tinyModelPath });
      assert.equal(r.code, 0, r.stderr);
      const m = SUMMARY.exec(r.stderr);
      assert.ok(m, `no summary line on stderr: ${r.stderr}`);
      assert.equal(m[1], 'local/default');
      assert.ok(Number(m[2]) > 0, 'input tokens counted');
      assert.ok(Number(m[3]) > 0 && Number(m[3]) <= 8, `output tokens within --max-tokens: ${m[3]}`);
      assert.equal(m[4], ' (in-process)');
      assert.ok(r.stdout.endsWith('\n'), 'the answer ends with a newline');
      assert.ok(!existsSync(path.join(home, 'daemon.json')), 'no daemon was left behind');
    });

    it('chat with no tier configured exits non-zero with a message saying what to set', async () => {
      const r = await runCli(['chat', 'hello'], { SWITCHBOARD_HOME: home });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /OPENAI_API_KEY|SWITCHBOARD_LOCAL_MODEL/);
      assertNoLeak(r.stderr, [], 'stderr');
    });
  });

  describe('with a running daemon (same SWITCHBOARD_HOME)', () => {
    let openai: FakeOpenAI;
    let d: TestDaemon;
    let env: Record<string, string>;
    before(async () => {
      openai = await startFakeOpenAI();
      d = await spawnDaemon({ env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url, SWITCHBOARD_LOCAL_MODEL: tinyModelPath } });
      // The CLI gets neither provider keys nor the model: whatever it serves, it serves through the daemon.
      env = { SWITCHBOARD_HOME: d.home };
      await waitForTier(d, 'local');
    });
    after(async () => {
      await d?.stop();
      await openai?.close();
    });

    it('status shows the pid, the address, the socket and each tier (exit 0)', async () => {
      const r = await runCli(['status'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.includes(`pid ${d.proc.pid}`), r.stdout);
      assert.ok(r.stdout.includes(`http://127.0.0.1:${d.port}`), r.stdout);
      assert.ok(r.stdout.includes(d.socketPath), r.stdout);
      assert.match(r.stdout, /openai\s+ready/);
      assert.match(r.stdout, /anthropic\s+unconfigured/);
      assert.match(r.stdout, /local\s+ready/);
      assertNoLeak(r.stdout, [d.key, openai.apiKey], 'status output');
    });

    it('chat streams the answer to stdout and a summary line to stderr, through the daemon', async () => {
      openai.reset();
      openai.script({ chunks: ['Hello', ', ', 'world', '!'] });
      const r = await runCli(['chat', 'say hi', '--model', 'openai/gpt-4o-mini', '--system', 'be nice'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Hello, world!\n');
      const m = SUMMARY.exec(r.stderr);
      assert.ok(m, `no summary line: ${r.stderr}`);
      assert.equal(m[1], 'openai/gpt-4o-mini');
      assert.ok(Number(m[2]) > 0 && Number(m[3]) > 0, 'usage reported');
      assert.equal(m[4], undefined, 'served by the daemon, not in-process');
      assert.equal(openai.requests.length, 1, 'the daemon called the upstream');
      assert.equal(openai.requests[0]?.body.stream, true);
      assert.deepEqual(openai.requests[0]?.body.messages[0], { role: 'system', content: 'be nice' });
      assert.match(d.output(), /"via":"socket"/, 'the CLI used the unix socket');
    });

    it('chat "hello" --model local/default --max-tokens 8 works through the daemon', async () => {
      const r = await runCli(['chat', 'hello', '--model', 'local/default', '--max-tokens', '8'], env);
      assert.equal(r.code, 0, r.stderr);
      const m = SUMMARY.exec(r.stderr);
      assert.ok(m, `no summary line: ${r.stderr}`);
      assert.equal(m[1], 'local/default');
      assert.ok(Number(m[3]) > 0 && Number(m[3]) <= 8);
      assert.equal(m[4], undefined, 'served by the daemon, not in-process');
    });

    it('chat with an unknown model exits non-zero with the daemon\'s message (404, naming the model)', async () => {
      const r = await runCli(['chat', 'hello', '--model', 'nope-model'], env);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /404/);
      assert.match(r.stderr, /nope-model/);
      assertNoLeak(r.stderr, [d.key, openai.apiKey], 'stderr');
    });

    it('chat reports an upstream failure mid-stream with a non-zero exit', async () => {
      openai.script({ text: 'one two three', streamError: { afterChunks: 1, message: 'exploded' } });
      const r = await runCli(['chat', 'hello', '--model', 'openai/gpt-4o-mini'], env);
      assert.notEqual(r.code, 0);
      assert.match(r.stdout, /one/);
      assert.match(r.stderr, /switchboard: /);
      assertNoLeak(r.stderr, [d.key, openai.apiKey], 'stderr');
    });

    it('stop asks the daemon to stop: it exits 0 and removes daemon.json and its socket', async () => {
      const r = await runCli(['stop'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.includes(`pid ${d.proc.pid}`), r.stdout);
      await until(() => d.proc.exitCode !== null, 'the daemon exits', 10_000);
      assert.equal(d.proc.exitCode, 0);
      assert.ok(!existsSync(path.join(d.home, 'daemon.json')));
      assert.ok(!existsSync(d.socketPath));
      const s = await runCli(['status'], env);
      assert.equal(s.code, 3, 'status now finds no daemon');
    });
  });
});
