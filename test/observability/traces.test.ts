/**
 * OpenTelemetry traces: the daemon exports over OTLP/HTTP to a collector (a small OTLP/HTTP JSON receiver
 * written here, standing in for an external collector). One SERVER span per request and one CLIENT span
 * per upstream attempt, with GenAI semantic-convention attributes, joined to the caller's `traceparent`.
 * Without an endpoint, nothing is exported.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fakeAnthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { chat } from './helpers.js';

interface OtlpValue { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values: OtlpValue[] } }
interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; startTimeUnixNano: string; endTimeUnixNano: string; attributes: { key: string; value: OtlpValue }[]; status?: { code?: number } }
interface ExportRequest { resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] }

function attr(span: OtlpSpan, key: string): unknown {
  const v = span.attributes.find((a) => a.key === key)?.value;
  if (!v) return undefined;
  if (v.arrayValue) return v.arrayValue.values.map((x) => x.stringValue);
  return v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue;
}

/** An OTLP/HTTP receiver for JSON exports (what @opentelemetry/exporter-trace-otlp-http sends). */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; services: string[]; contentTypes: string[]; close(): Promise<void>; server: Server }> {
  const spans: OtlpSpan[] = [];
  const services: string[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      contentTypes.push(String(req.headers['content-type']));
      if (req.url !== '/v1/traces' || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      const parsed = JSON.parse(body) as ExportRequest;
      for (const rs of parsed.resourceSpans) {
        services.push(String(rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue));
        for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/v1/traces`, spans, services, contentTypes, server, close: () => new Promise((r) => server.close(() => r())) };
}

describe('OpenTelemetry traces over OTLP (real daemon)', function () {
  this.timeout(60_000);
  let openai: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let d: TestDaemon;

  before(async () => {
    openai = await startFakeOpenAI();
    anthropic = await startFakeAnthropic();
    collector = await startCollector();
    d = await spawnDaemon({
      configYaml: `
resilience: { retry: { attempts: 0 } }
routes:
  chain: { targets: [openai/gpt-4o-mini, anthropic/claude-haiku-4-5] }
observability:
  traces: { endpoint: "${collector.url}", serviceName: sb-under-test }
`,
      env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url, ANTHROPIC_API_KEY: anthropic.apiKey, ANTHROPIC_BASE_URL: anthropic.url },
    });
  });
  after(async () => {
    await d?.stop();
    await collector?.close();
    await openai?.close();
    await anthropic?.close();
  });

  async function spansOf(traceId: string, count: number): Promise<OtlpSpan[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = collector.spans.filter((s) => s.traceId === traceId);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`got ${found.length} spans of ${traceId}; all: ${collector.spans.length}\n${d.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('exports a request span and one span per attempt with gen_ai.* attributes, inside the caller\'s trace', async () => {
    openai.script({ status: 503 });
    anthropic.script({ usage: { inputTokens: 12, outputTokens: 9 } });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const res = await chat(d, { model: 'chain', max_tokens: 50, temperature: 0.2 }, { traceparent: `00-${traceId}-${parentId}-01` });
    assert.equal(res.status, 200);
    await res.json();
    const spans = await spansOf(traceId, 3);
    const server = spans.find((s) => s.kind === 2);
    assert.ok(server, 'a SERVER span');
    assert.equal(server.parentSpanId, parentId, 'joined to the caller\'s span');
    assert.equal(server.name, 'chat chain');
    assert.equal(attr(server, 'gen_ai.operation.name'), 'chat');
    assert.equal(attr(server, 'gen_ai.request.model'), 'chain');
    assert.equal(attr(server, 'gen_ai.response.model'), 'claude-haiku-4-5');
    assert.equal(attr(server, 'gen_ai.provider.name'), 'anthropic');
    assert.equal(attr(server, 'gen_ai.usage.input_tokens'), 12);
    assert.equal(attr(server, 'gen_ai.usage.output_tokens'), 9);
    assert.equal(attr(server, 'gen_ai.request.max_tokens'), 50);
    assert.equal(attr(server, 'gen_ai.request.temperature'), 0.2);
    assert.deepEqual(attr(server, 'gen_ai.response.finish_reasons'), ['stop']);
    assert.equal(attr(server, 'switchboard.request_id'), res.headers.get('x-request-id'));
    const clients = spans.filter((s) => s.kind === 3).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    assert.equal(clients.length, 2);
    assert.ok(clients.every((c) => c.parentSpanId === server.spanId));
    assert.deepEqual(clients.map((c) => [attr(c, 'gen_ai.provider.name'), attr(c, 'gen_ai.request.model')]), [
      ['openai', 'gpt-4o-mini'],
      ['anthropic', 'claude-haiku-4-5'],
    ]);
    assert.ok(attr(clients[0] as OtlpSpan, 'error.type'), 'the failed attempt carries error.type');
    assert.equal(clients[0]?.status?.code, 2, 'ERROR status');
    assert.ok(BigInt(server.startTimeUnixNano) <= BigInt(clients[0]!.startTimeUnixNano) && BigInt(clients[1]!.endTimeUnixNano) <= BigInt(server.endTimeUnixNano) + 1_000_000n);
    assert.ok(collector.services.includes('sb-under-test'));
    assert.match(collector.contentTypes[0] ?? '', /application\/json/);
  });

  it('marks a failed request span as an error with error.type', async () => {
    openai.script({ status: 400, error: { message: 'bad thing' } });
    const traceId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
    const res = await chat(d, { model: 'openai/gpt-4o-mini' }, { traceparent: `00-${traceId}-bbbbbbbbbbbbbbb1-01` });
    assert.equal(res.status, 400);
    const [server] = (await spansOf(traceId, 2)).filter((s) => s.kind === 2);
    assert.equal(server?.status?.code, 2);
    assert.equal(attr(server!, 'http.response.status_code'), 400);
    assert.equal(attr(server!, 'error.type'), 'upstream_client_error');
  });

  it('exports nothing when no endpoint is configured', async () => {
    const quiet = await spawnDaemon({ env: { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url } });
    try {
      const before = collector.spans.length;
      const traceId = 'cccccccccccccccccccccccccccccc01';
      await (await chat(quiet, { model: 'openai/gpt-4o-mini' }, { traceparent: `00-${traceId}-dddddddddddddd01-01` })).json();
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(collector.spans.filter((s) => s.traceId === traceId).length, 0);
      assert.equal(collector.spans.length, before);
      assert.doesNotMatch(quiet.output(), /tracing on/);
    } finally {
      await quiet.stop();
    }
  });
});
