/**
 * The dashboard app: headline figures for the chosen window, live charts, routes and targets, circuit
 * states, and the most recent requests with a detail view of one request's attempts and decisions.
 */
import {
  DataNotification,
  ErrorNotification,
  ReadyCommand,
  RequestDetailNotification,
  SelectRequestCommand,
  SetWindowCommand,
  type RequestRecord,
  type Summary,
  type SummaryWindow,
} from '../../extension/src/dashboard/protocol.js';
import { Charts } from './charts.js';
import { savedWindow, saveWindow, send } from './vscodeApi.js';
import './main.css';

const app = document.getElementById('app')!;
app.innerHTML = `
  <header class="row">
    <h1>Switchboard</h1>
    <label for="window">Window</label>
    <select id="window" aria-label="Time window">
      <option value="5m">last 5 minutes</option>
      <option value="1h">last hour</option>
      <option value="24h">last 24 hours</option>
    </select>
    <span id="updated" class="muted" role="status"></span>
  </header>
  <div id="error" class="error" role="alert"></div>
  <section id="tiles" class="tiles" aria-label="Headline figures"></section>
  <section id="charts" class="charts" aria-label="Charts"></section>
  <section>
    <h2>Routes and targets</h2>
    <table id="groups" class="grid"><thead><tr>
      <th>route / target</th><th>requests</th><th>errors</th><th>P50</th><th>P95</th><th>P99</th><th>TTFT P50</th><th>tokens in/out</th><th>cost</th><th>cache hits</th><th>satisfaction</th>
    </tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Circuits</h2>
    <div id="circuits" class="chips"></div>
  </section>
  <section class="split">
    <div class="scroll">
      <h2>Recent requests</h2>
      <table id="recent" class="grid clickable"><thead><tr>
        <th>time</th><th>status</th><th>route → target</th><th>ms</th><th>TTFT</th><th>tokens</th><th>cache</th><th>feedback</th>
      </tr></thead><tbody></tbody></table>
    </div>
    <aside id="detail" aria-live="polite"><p class="muted">Select a request to see its attempts.</p></aside>
  </section>
`;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const windowSelect = $<HTMLSelectElement>('window');
const charts = new Charts($('charts'));
let selected: string | undefined;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (n: number) => n.toLocaleString('en-US');
const msText = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const usd = (v: number) => `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`;
const satisfaction = (v: number | null) => (v === null ? '—' : pct(v));

function tiles(s: Summary): void {
  const t = s.total;
  const items: Array<[string, string, string]> = [
    ['requests', 'Requests', num(t.requests)],
    ['errors', 'Error rate', pct(t.errorRate)],
    ['p50', 'Latency P50', msText(t.latencyMs.p50)],
    ['p95', 'P95', msText(t.latencyMs.p95)],
    ['p99', 'P99', msText(t.latencyMs.p99)],
    ['ttft', 'TTFT P50', msText(t.ttftMs.p50)],
    ['tokens', 'Tokens in / out', `${num(t.tokens.input)} / ${num(t.tokens.output)}`],
    ['cost', 'Cost', usd(t.cost)],
    ['cache', 'Cache hit rate', pct(t.cacheHitRate)],
    ['satisfaction', 'Satisfaction', `${satisfaction(t.satisfaction)}${t.feedbackCount ? ` (${t.feedbackCount})` : ''}`],
    ['inflight', 'In flight', num(s.inFlight)],
  ];
  $('tiles').innerHTML = items.map(([id, label, value]) => `<div class="tile" data-tile="${id}"><div class="label">${label}</div><div class="value">${esc(value)}</div></div>`).join('');
}

function groups(s: Summary): void {
  const row = (kind: string, g: Summary['total']) =>
    `<tr data-kind="${kind}"><td><span class="muted">${kind}</span> ${esc(g.key)}</td><td>${num(g.requests)}</td><td>${pct(g.errorRate)}</td><td>${msText(g.latencyMs.p50)}</td><td>${msText(g.latencyMs.p95)}</td><td>${msText(g.latencyMs.p99)}</td><td>${msText(g.ttftMs.p50)}</td><td>${num(g.tokens.input)} / ${num(g.tokens.output)}</td><td>${usd(g.cost)}</td><td>${pct(g.cacheHitRate)}</td><td>${satisfaction(g.satisfaction)}</td></tr>`;
  const body = [...s.routes.map((g) => row('route', g)), ...s.targets.map((g) => row('target', g))].join('');
  $('groups').querySelector('tbody')!.innerHTML = body || '<tr><td colspan="11" class="muted">No requests in this window yet.</td></tr>';
  $('circuits').innerHTML = s.circuits.length
    ? s.circuits.map((c) => `<span class="chip ${esc(c.state)}" data-target="${esc(c.target)}">${esc(c.target)}: ${esc(c.state)}</span>`).join('')
    : '<span class="muted">Every circuit is closed (no failures recorded).</span>';
}

function recent(records: RequestRecord[]): void {
  $('recent').querySelector('tbody')!.innerHTML = records
    .map((r) => {
      const failed = r.status >= 400 || r.errorClass;
      const where = r.target ? `${r.route ?? r.model ?? ''} → ${r.target}` : (r.model ?? r.path);
      const tokens = r.usage ? `${r.usage.inputTokens}/${r.usage.outputTokens}` : '';
      const fb = r.feedback ? (r.feedback.scale === 2 ? (r.feedback.score > 0 ? '+1' : '−1') : `${r.feedback.score}★`) : '';
      return `<tr data-id="${esc(r.id)}" tabindex="0" class="${failed ? 'failed' : ''}${r.id === selected ? ' selected' : ''}"><td>${esc(r.time.slice(11, 19))}</td><td>${r.status}${r.errorClass ? ` ${esc(r.errorClass)}` : ''}</td><td>${esc(where)}</td><td>${Math.round(r.durationMs)}</td><td>${r.ttftMs === undefined ? '' : Math.round(r.ttftMs)}</td><td>${tokens}</td><td>${esc(r.cache ?? '')}</td><td>${fb}</td></tr>`;
    })
    .join('');
}

function detail(r: RequestRecord): void {
  const attempts = r.attempts
    .map((a, i) => `<tr><td>${i + 1}</td><td>${esc(a.target)}</td><td class="${a.outcome === 'ok' ? '' : 'failed'}">${esc(a.outcome)}</td><td>${a.status ?? ''}</td><td>+${Math.round(a.startMs)}</td><td>${a.latencyMs === undefined ? '' : Math.round(a.latencyMs)}</td><td>${a.ttftMs === undefined ? '' : Math.round(a.ttftMs)}</td><td>${esc(a.error ?? '')}</td></tr>`)
    .join('');
  const facts: Array<[string, string | undefined]> = [
    ['id', r.id], ['time', r.time], ['status', `${r.status}${r.errorClass ? ` (${r.errorClass}${r.errorCode ? `, ${r.errorCode}` : ''})` : ''}`], ['error', r.error],
    ['key / user / team', [r.keyId, r.user, r.team].filter(Boolean).join(' / ') || undefined], ['model → route → target', [r.model, r.route, r.target].filter(Boolean).join(' → ')],
    ['duration', msText(r.durationMs)], ['first token', r.ttftMs === undefined ? undefined : msText(r.ttftMs)], ['gateway overhead', r.overheadMs === undefined ? undefined : msText(r.overheadMs)],
    ['finish', r.finishReason], ['cache', r.cache], ['tokens', r.usage ? `${r.usage.inputTokens} in (${r.usage.cachedInputTokens ?? 0} cached) / ${r.usage.outputTokens} out` : undefined],
    ['cost', r.cost === undefined ? undefined : usd(r.cost)], ['feedback', r.feedback ? `${r.feedback.score} of ${r.feedback.scale === 2 ? '±1' : '5'}${r.feedback.comment ? ` — ${r.feedback.comment}` : ''}` : undefined],
  ];
  $('detail').innerHTML = `
    <h2>Request</h2>
    <dl>${facts.filter(([, v]) => v).map(([k, v]) => `<dt>${k}</dt><dd>${esc(v as string)}</dd>`).join('')}</dl>
    <h3>Attempts</h3>
    ${attempts ? `<table class="grid" id="attempts"><thead><tr><th>#</th><th>target</th><th>outcome</th><th>status</th><th>start</th><th>ms</th><th>TTFT</th><th>error</th></tr></thead><tbody>${attempts}</tbody></table>` : '<p class="muted">No upstream attempt (refused or served from cache).</p>'}
    ${r.decisions.length ? `<h3>Decisions</h3><ul>${r.decisions.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>` : ''}`;
}

$('recent').addEventListener('click', (e) => {
  const row = (e.target as HTMLElement).closest('tr[data-id]') as HTMLElement | null;
  if (!row?.dataset.id) return;
  selected = row.dataset.id;
  for (const tr of $('recent').querySelectorAll('tr.selected')) tr.classList.remove('selected');
  row.classList.add('selected');
  send(SelectRequestCommand, { id: selected });
});
$('recent').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') (e.target as HTMLElement).click();
});
windowSelect.addEventListener('change', () => {
  const w = windowSelect.value as SummaryWindow;
  saveWindow(w);
  send(SetWindowCommand, { window: w });
});

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const m = event.data;
  if (DataNotification.is(m)) {
    $('error').textContent = '';
    tiles(m.params.summary);
    charts.update(m.params.summary);
    groups(m.params.summary);
    recent(m.params.recent);
    $('updated').textContent = `updated ${new Date(m.params.updatedAt).toLocaleTimeString()}`;
    app.dataset.loaded = 'true';
  } else if (RequestDetailNotification.is(m)) {
    if (m.params.record) detail(m.params.record);
    else $('detail').innerHTML = `<p class="error">${esc(m.params.error ?? 'unknown error')}</p>`;
  } else if (ErrorNotification.is(m)) {
    $('error').textContent = m.params.message;
  }
});

const initial = savedWindow();
windowSelect.value = initial;
send(ReadyCommand, { window: initial });
