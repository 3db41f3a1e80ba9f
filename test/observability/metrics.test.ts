/**
 * Metrics, summary and feedback against the real daemon, and the real Prometheus: `promtool check metrics`
 * lints the exposition, a Prometheus server on a loopback port scrapes the daemon with the master key, and a
 * metric is read back through its HTTP API. Feedback must move the satisfaction figures.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { repoRoot } from '../helpers/paths.js';
import { authHeaders, chat, feedback, metricsText, sample, summary } from './helpers.js';

const CONFIG = `
resilience:
  retry: { attempts: 0 }
  circuitBreaker: { windowMs: 60000, minRequests: 3, errorRate: 0.05, cooldownMs: 600000, halfOpenProbes: 1 }
routes:
  fast:
    targets: [openai/gpt-4o-mini]
  slow:
    targets: [openai/gpt-4o]
`;

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function send(d: TestDaemon, model: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await chat(d, { model }, headers);
  await res.text();
  return res.headers.get('x-request-id') as string;
}

describe('metrics, summary and feedback (real daemon)', function () {
  this.timeout(120_000);
  let openai: FakeOpenAI;
  let d: TestDaemon;

  before(async () => {
    openai = await startFakeOpenAI();
    d = await spawnDaemon({ configYaml: CONFIG, env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url } });
    // A known mix: `fast` answers at once, `slow` after 150 ms; two of `slow` fail.
    openai.setDefault((req) => (req.body?.model === 'gpt-4o' ? { delayHeadersMs: 150, usage: { inputTokens: 10, outputTokens: 20 } } : { usage: { inputTokens: 5, outputTokens: 8 } }));
    for (let i = 0; i < 10; i++) await send(d, 'fast');
    for (let i = 0; i < 8; i++) await send(d, 'slow');
  });
  after(async () => {
    await d?.stop();
    await openai?.close();
  });

  it('GET /metrics needs the master key', async () => {
    assert.equal((await fetch(`${d.url}/metrics`)).status, 401);
  });

  it('counts requests, latency, TTFT, overhead, attempts and tokens by route and target', async () => {
    const m = await metricsText(d);
    assert.equal(sample(m, 'switchboard_requests_total', { route: 'fast', target: 'openai/gpt-4o-mini', status: '200' }), 10);
    assert.equal(sample(m, 'switchboard_requests_total', { route: 'slow', status: '200' }), 8);
    assert.equal(sample(m, 'switchboard_request_duration_seconds_count', { route: 'slow' }), 8);
    // Every slow request took ≥ 150 ms: none falls in the 0.1 s bucket, all in the 0.25 s one or above.
    assert.equal(sample(m, 'switchboard_request_duration_seconds_bucket', { route: 'slow', le: '0.1' }), 0);
    assert.equal(sample(m, 'switchboard_time_to_first_token_seconds_count', { route: 'fast' }), 10);
    assert.ok(sample(m, 'switchboard_gateway_overhead_seconds_count', { door: 'openai' }) >= 18);
    assert.equal(sample(m, 'switchboard_upstream_attempts_total', { target: 'openai/gpt-4o', outcome: 'ok' }), 8);
    assert.equal(sample(m, 'switchboard_tokens_total', { route: 'slow', kind: 'output' }), 160);
    assert.equal(sample(m, 'switchboard_tokens_total', { route: 'fast', kind: 'input' }), 50);
    assert.equal(sample(m, 'switchboard_in_flight_requests'), 0);
    assert.equal(sample(m, 'switchboard_request_log_dropped_total'), 0);
  });

  it('summarizes P50/P95/P99 latency and TTFT, error rate and tokens per route and target', async () => {
    const s = await summary(d, '5m');
    const fast = s.routes.find((g) => g.key === 'fast');
    const slow = s.routes.find((g) => g.key === 'slow');
    assert.ok(fast && slow);
    assert.equal(fast.requests, 10);
    assert.equal(slow.requests, 8);
    assert.ok((slow.latencyMs.p50 ?? 0) >= 150, `slow p50 ${slow.latencyMs.p50}`);
    assert.ok((fast.latencyMs.p50 ?? Infinity) < (slow.latencyMs.p50 ?? 0));
    assert.ok((slow.latencyMs.p50 ?? 0) <= (slow.latencyMs.p95 ?? 0) && (slow.latencyMs.p95 ?? 0) <= (slow.latencyMs.p99 ?? 0));
    assert.ok((slow.ttftMs.p50 ?? 0) >= 150);
    assert.deepEqual(slow.tokens, { input: 80, output: 160, cached: 0 });
    assert.equal(s.targets.find((g) => g.key === 'openai/gpt-4o')?.requests, 8);
    assert.equal(s.series.length, 30);
    assert.equal(s.series.reduce((n, p) => n + p.requests, 0), s.total.requests);
    const bad = await fetch(`${d.url}/switchboard/v1/summary?window=2d`, { headers: authHeaders(d) });
    assert.equal(bad.status, 400);
  });

  it('feedback moves satisfaction in the summary and the metrics; bad feedback is a clear 400/404', async () => {
    const up = await send(d, 'fast');
    const down = await send(d, 'fast');
    const stars = await send(d, 'slow');
    assert.equal((await summary(d)).routes.find((g) => g.key === 'fast')?.satisfaction, null);
    const ok = await feedback(d, { request_id: up, score: 1, comment: 'great' });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { request_id: up, recorded: true, satisfaction: 1 });
    assert.equal((await summary(d)).routes.find((g) => g.key === 'fast')?.satisfaction, 1);
    assert.equal((await feedback(d, { request_id: down, score: -1 })).status, 200);
    assert.equal((await feedback(d, { request_id: stars, score: 4, scale: 5 })).status, 200);
    const s = await summary(d);
    assert.equal(s.routes.find((g) => g.key === 'fast')?.satisfaction, 0.5);
    assert.equal(s.routes.find((g) => g.key === 'fast')?.feedbackCount, 2);
    assert.equal(s.routes.find((g) => g.key === 'slow')?.satisfaction, 0.75);
    const m = await metricsText(d);
    assert.equal(sample(m, 'switchboard_feedback_total', { route: 'fast', rating: 'positive' }), 1);
    assert.equal(sample(m, 'switchboard_feedback_total', { route: 'fast', rating: 'negative' }), 1);
    assert.equal(sample(m, 'switchboard_feedback_score_sum', { route: 'slow' }), 0.75);
    // The score joins the request log.
    const logged = (await (await fetch(`${d.url}/switchboard/v1/requests?id=${up}`, { headers: authHeaders(d) })).json()) as { records: { feedback?: { score: number; comment?: string } }[] };
    assert.deepEqual([logged.records[0]?.feedback?.score, logged.records[0]?.feedback?.comment], [1, 'great']);

    const wrongScale = await feedback(d, { request_id: up, score: 3 });
    assert.equal(wrongScale.status, 400);
    assert.match(((await wrongScale.json()) as { error: { message: string } }).error.message, /score must be 1 or -1/);
    assert.equal((await feedback(d, { request_id: 'no-such-request', score: 1 })).status, 404);
    assert.equal((await feedback(d, { score: 1 })).status, 400);
  });

  it('exposes circuit states per target (metric and summary) once a circuit opens', async () => {
    openai.script({ status: 500 }, { times: 3, match: (r) => r.body?.model === 'gpt-4.1' });
    for (let i = 0; i < 3; i++) assert.equal((await chat(d, { model: 'openai/gpt-4.1' })).status >= 500, true);
    const m = await metricsText(d);
    assert.equal(sample(m, 'switchboard_circuit_state', { target: 'openai/gpt-4.1' }), 2);
    assert.equal((await summary(d)).circuits.find((c) => c.target === 'openai/gpt-4.1')?.state, 'open');
    assert.ok(sample(m, 'switchboard_requests_total', { target: '', error_class: 'upstream_5xx' }) + sample(m, 'switchboard_requests_total', { status: '503' }) >= 3);
  });

  it('keeps route and target label values bounded: unknown model names past 500 distinct values count as "(other)"', async () => {
    // A model no route matches is labelled by its name: 520 distinct made-up ones, each a clear 404.
    const statuses = new Set<number>();
    for (let batch = 0; batch < 13; batch++) {
      await Promise.all(Array.from({ length: 40 }, async (_, i) => {
        const res = await chat(d, { model: `no-such-model-${batch * 40 + i}` });
        await res.text();
        statuses.add(res.status);
      }));
    }
    assert.deepEqual([...statuses], [404]);
    const m = await metricsText(d);
    const routes = new Set([...m.matchAll(/^switchboard_requests_total\{[^}]*route="([^"]*)"/gm)].map((x) => x[1]));
    assert.equal(routes.size, 501, `${routes.size} distinct route values: 500 kept and "(other)"`);
    assert.ok(routes.has('(other)') && routes.has('fast') && routes.has('slow'), 'the first ones seen are kept');
    assert.ok(sample(m, 'switchboard_requests_total', { route: '(other)', status: '404' }) >= 20);
  });

  describe('with the real Prometheus', () => {
    let prometheus: ChildProcess | undefined;
    let dataDir: string;
    let promURL: string;

    before(function () {
      if (!has('prometheus') || !has('promtool')) execFileSync('bash', [path.join(repoRoot, 'scripts/ensureServices.sh')], { stdio: 'inherit' });
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'sb-prom-'));
    });
    after(async () => {
      if (prometheus && prometheus.exitCode === null) {
        const exited = new Promise((r) => prometheus?.once('exit', r));
        prometheus.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('passes `promtool check metrics`', async () => {
      const text = await metricsText(d);
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(lint.status, 0, `promtool: ${lint.stdout}${lint.stderr}`);
    });

    it('is scraped by Prometheus (bearer key) and a metric reads back through its HTTP API', async () => {
      const port = await freePort();
      promURL = `http://127.0.0.1:${port}`;
      const config = path.join(dataDir, 'prometheus.yml');
      writeFileSync(
        config,
        [
          'global: { scrape_interval: 1s, evaluation_interval: 1s }',
          'scrape_configs:',
          '  - job_name: switchboard',
          '    scrape_interval: 1s',
          `    authorization: { credentials: "${d.key}" }`,
          `    static_configs: [{ targets: ["127.0.0.1:${d.port}"] }]`,
          '',
        ].join('\n'),
      );
      assert.equal(spawnSync('promtool', ['check', 'config', config], { encoding: 'utf8' }).status, 0);
      let log = '';
      prometheus = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dataDir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      prometheus.stdout?.on('data', (c) => (log += c));
      prometheus.stderr?.on('data', (c) => (log += c));
      const query = async (q: string) => {
        const res = await fetch(`${promURL}/api/v1/query?query=${encodeURIComponent(q)}`);
        const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        return body.data.result;
      };
      const deadline = Date.now() + 30_000;
      let result: Awaited<ReturnType<typeof query>> = [];
      for (;;) {
        try {
          result = await query('sum by (route) (switchboard_requests_total{job="switchboard",route="fast",status="200"})');
          if (result.length > 0) break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline || prometheus.exitCode !== null) throw new Error(`Prometheus got nothing:\n${log.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(Number(result[0]?.value[1]), 12, 'ten plus the two feedback requests');
      const up = await query('up{job="switchboard"}');
      assert.equal(up[0]?.value[1], '1');
      const targets = (await (await fetch(`${promURL}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
      assert.equal(targets.data.activeTargets[0]?.health, 'up', targets.data.activeTargets[0]?.lastError);
    });
  });
});
