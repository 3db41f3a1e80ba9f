/** Small HTTP helpers for the observability suites: chat calls, admin reads, waiting for a record. */
import type { TestDaemon } from '../helpers/daemon.js';
import type { LogQueryResponse, RequestRecord, Summary } from '../../daemon/src/protocol/observability.js';

export function authHeaders(d: TestDaemon, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${d.key}`, 'content-type': 'application/json', ...extra };
}

export async function chat(d: TestDaemon, body: Record<string, unknown>, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${d.url}/v1/chat/completions`, { method: 'POST', headers: authHeaders(d, headers), body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], ...body }), signal });
}

export async function queryLog(d: TestDaemon, params: Record<string, string> = {}): Promise<LogQueryResponse> {
  const res = await fetch(`${d.url}/switchboard/v1/requests?${new URLSearchParams(params)}`, { headers: authHeaders(d) });
  if (res.status !== 200) throw new Error(`query answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as LogQueryResponse;
}

/** Polls until the record with this id is in the log (a client abort is recorded once the daemon notices). */
export async function waitForRecord(d: TestDaemon, id: string, timeoutMs = 5000): Promise<RequestRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { records } = await queryLog(d, { id });
    if (records[0]) return records[0];
    if (Date.now() > deadline) throw new Error(`no record ${id}:\n${d.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function summary(d: TestDaemon, window = '5m'): Promise<Summary> {
  const res = await fetch(`${d.url}/switchboard/v1/summary?window=${window}`, { headers: authHeaders(d) });
  if (res.status !== 200) throw new Error(`summary answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Summary;
}

export async function feedback(d: TestDaemon, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${d.url}/switchboard/v1/feedback`, { method: 'POST', headers: authHeaders(d), body: JSON.stringify(body) });
}

export async function metricsText(d: TestDaemon): Promise<string> {
  const res = await fetch(`${d.url}/metrics`, { headers: authHeaders(d) });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** The value of one sample line (`name{labels} value`) whose labels include all of `labels`; 0 when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
