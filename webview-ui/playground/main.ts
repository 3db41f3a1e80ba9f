/** The playground app: model picker, system and user messages, Send/Stop, the streamed answer and its metrics. */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextarea } from '@vscode-elements/elements/dist/vscode-textarea/vscode-textarea.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import {
  DaemonStateNotification,
  ModelsNotification,
  ReadyCommand,
  RefreshModelsCommand,
  RunDeltaNotification,
  RunFailedNotification,
  RunFinishedNotification,
  RunStartedNotification,
  SendCommand,
  StartDaemonCommand,
  StopCommand,
  type ModelOption,
  type RunMetrics,
} from '../../extension/src/playground/protocol.js';
import { loadState, saveState, send } from './vscodeApi.js';
import './main.css';

const app = document.getElementById('app')!;
app.innerHTML = `
  <div class="row">
    <vscode-label for="model">Model</vscode-label>
    <vscode-single-select id="model" aria-label="Model"></vscode-single-select>
    <vscode-label for="max-tokens">Max tokens</vscode-label>
    <vscode-textfield id="max-tokens" type="number" min="1" max="32768" value="256" aria-label="Max tokens"></vscode-textfield>
    <vscode-button id="refresh" secondary title="Reload the model list from the daemon">Refresh</vscode-button>
    <vscode-button id="start-daemon" secondary hidden>Start Daemon</vscode-button>
    <span id="daemon" class="muted" role="status"></span>
  </div>
  <vscode-label for="system">System message</vscode-label>
  <vscode-textarea id="system" rows="3" resize="vertical" placeholder="Optional instructions for the model"></vscode-textarea>
  <vscode-label for="user">User message</vscode-label>
  <vscode-textarea id="user" rows="6" resize="vertical" placeholder="Ask something. Ctrl+Enter sends."></vscode-textarea>
  <div class="row">
    <vscode-button id="send">Send</vscode-button>
    <vscode-button id="stop" secondary disabled>Stop</vscode-button>
    <vscode-progress-ring id="busy" hidden aria-label="Generating"></vscode-progress-ring>
    <span class="muted">Ctrl+Enter to send · Escape to stop</span>
  </div>
  <section class="answer" aria-label="Answer">
    <pre id="output" tabindex="0" aria-live="polite" aria-label="Streamed answer"></pre>
  </section>
  <div id="meta" class="muted" role="status" aria-live="polite"></div>
  <div id="error" class="error" role="alert"></div>
`;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const model = $<VscodeSingleSelect>('model');
const system = $<VscodeTextarea>('system');
const user = $<VscodeTextarea>('user');
const maxTokens = $<VscodeTextfield>('max-tokens');
const sendButton = $<VscodeButton>('send');
const stopButton = $<VscodeButton>('stop');
const startDaemon = $<VscodeButton>('start-daemon');
const busy = $('busy');
const output = $('output');
const meta = $('meta');
const error = $('error');
const daemon = $('daemon');

const saved = loadState();
system.value = saved.system ?? '';
user.value = saved.user ?? '';
let currentRun: string | undefined;
let wantedModel = saved.model;

function persist(): void {
  saveState({ model: model.value || wantedModel, system: system.value, user: user.value });
}

function setModels(models: ModelOption[]): void {
  const previous = model.value || wantedModel;
  model.replaceChildren(
    ...models.map((m) => {
      const option = document.createElement('vscode-option');
      option.setAttribute('value', m.id);
      option.textContent = m.id;
      option.setAttribute('description', [m.target ? `→ ${m.target}` : '', m.available ? '' : 'unavailable'].filter(Boolean).join(' '));
      if (!m.available) option.setAttribute('disabled', '');
      return option;
    }),
  );
  const choice =
    models.find((m) => m.id === previous) ?? models.find((m) => m.available && m.id !== 'auto') ?? models[0];
  // The select picks up its options on the next render.
  requestAnimationFrame(() => {
    if (choice) model.value = choice.id;
  });
}

function setRunning(running: boolean): void {
  sendButton.disabled = running;
  stopButton.disabled = !running;
  busy.hidden = !running;
}

function doSend(): void {
  if (currentRun) return;
  const chosen = model.value;
  error.textContent = '';
  if (!chosen) {
    error.textContent = 'Pick a model first.';
    return;
  }
  if (!user.value.trim()) {
    error.textContent = 'Write a user message first.';
    user.focus();
    return;
  }
  currentRun = `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  output.textContent = '';
  meta.textContent = 'Waiting for the first token…';
  meta.dataset.done = 'false';
  setRunning(true);
  persist();
  const limit = Number.parseInt(maxTokens.value, 10);
  send(SendCommand, {
    runId: currentRun,
    model: chosen,
    system: system.value,
    user: user.value,
    maxTokens: Number.isFinite(limit) && limit > 0 ? limit : undefined,
  });
}

function doStop(): void {
  if (currentRun) send(StopCommand, { runId: currentRun });
}

function describeMetrics(m: RunMetrics): string {
  const parts = [
    `served by ${[m.provider, m.model].filter(Boolean).join(' · ') || 'an unknown provider'}`,
    m.timeToFirstTokenMs !== undefined ? `first token ${m.timeToFirstTokenMs} ms` : 'no tokens',
    `total ${m.totalMs} ms`,
  ];
  if (m.totalTokens !== undefined) {
    parts.push(`tokens ${m.promptTokens ?? '?'} in / ${m.completionTokens ?? '?'} out / ${m.totalTokens} total`);
  }
  if (m.stopped) parts.push('stopped');
  else if (m.finishReason) parts.push(`finish: ${m.finishReason}`);
  return parts.join(' — ');
}

sendButton.addEventListener('click', doSend);
stopButton.addEventListener('click', doStop);
startDaemon.addEventListener('click', () => send(StartDaemonCommand, {}));
$('refresh').addEventListener('click', () => send(RefreshModelsCommand, {}));
model.addEventListener('change', () => {
  wantedModel = model.value;
  persist();
});
for (const area of [system, user]) area.addEventListener('input', persist);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    doSend();
  } else if (e.key === 'Escape' && currentRun) {
    doStop();
  }
});

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = event.data;
  if (DaemonStateNotification.is(msg)) {
    daemon.textContent = msg.params.detail;
    daemon.dataset.phase = msg.params.phase;
    startDaemon.hidden = msg.params.phase !== 'stopped';
  } else if (ModelsNotification.is(msg)) {
    setModels(msg.params.models);
    if (msg.params.error) error.textContent = msg.params.error;
    else if (!currentRun) error.textContent = '';
  } else if (RunStartedNotification.is(msg)) {
    if (msg.params.runId !== currentRun) return;
    meta.textContent = `Streaming from ${[msg.params.provider, msg.params.model].filter(Boolean).join(' · ') || 'the daemon'}…`;
  } else if (RunDeltaNotification.is(msg)) {
    if (msg.params.runId !== currentRun) return;
    output.append(msg.params.text);
  } else if (RunFinishedNotification.is(msg)) {
    if (msg.params.runId !== currentRun) return;
    currentRun = undefined;
    setRunning(false);
    meta.textContent = describeMetrics(msg.params.metrics);
    meta.dataset.done = 'true';
  } else if (RunFailedNotification.is(msg)) {
    if (msg.params.runId !== currentRun) return;
    currentRun = undefined;
    setRunning(false);
    meta.textContent = msg.params.metrics.totalMs ? describeMetrics(msg.params.metrics) : '';
    error.textContent = msg.params.message;
  }
});

setRunning(false);
send(ReadyCommand, {});
user.focus();
