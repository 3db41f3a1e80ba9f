/**
 * Every message between the playground webview and the extension host. Imported by both sides; the webview
 * bundle must stay free of `vscode` and Node imports, so this file imports only ../ipc.js (which imports nothing).
 *
 * Commands go webview → host, notifications host → webview. Each message type is a value with a `method`
 * (`playground/<path>`) and an `.is()` guard, so handlers are bound by message, not by string.
 */
import { ipcScope } from '../ipc.js';

export type { IpcCommand, IpcMessage, IpcNotification } from '../ipc.js';

const { command, notification } = ipcScope('playground');

// ---- shared shapes -------------------------------------------------------------------------------------

export type DaemonPhase = 'stopped' | 'starting' | 'ready' | 'degraded' | 'stopping';

export interface ModelOption {
  id: string;
  available: boolean;
  /** What an alias resolves to. */
  target?: string;
}

export interface RunMetrics {
  provider?: string;
  model?: string;
  requestId?: string;
  /** Time from sending the request to the first streamed text (ms). */
  timeToFirstTokenMs?: number;
  totalMs: number;
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
  finishReason?: string;
  /** True when the user pressed Stop. */
  stopped: boolean;
}

// ---- commands (webview → host) ---------------------------------------------------------------------

/** The webview has loaded and wants the current state. */
export const ReadyCommand = command<Record<string, never>>('ready');
export const RefreshModelsCommand = command<Record<string, never>>('models/refresh');
export const StartDaemonCommand = command<Record<string, never>>('daemon/start');
export interface SendParams {
  runId: string;
  model: string;
  system: string;
  user: string;
  /** Upper bound on generated tokens (max_tokens). */
  maxTokens?: number;
}
export const SendCommand = command<SendParams>('run/send');
export const StopCommand = command<{ runId: string }>('run/stop');

// ---- notifications (host → webview) -----------------------------------------------------------------

export interface DaemonStateParams {
  phase: DaemonPhase;
  /** Plain words: why it is stopped, which tiers are up. */
  detail: string;
}
export const DaemonStateNotification = notification<DaemonStateParams>('daemon/state');

export interface ModelsParams {
  models: ModelOption[];
  /** Why the list is empty, in plain words. */
  error?: string;
}
export const ModelsNotification = notification<ModelsParams>('models');

export const RunStartedNotification = notification<{ runId: string; provider?: string; model?: string }>('run/started');
export const RunDeltaNotification = notification<{ runId: string; text: string }>('run/delta');
export const RunFinishedNotification = notification<{ runId: string; metrics: RunMetrics }>('run/finished');
export const RunFailedNotification = notification<{ runId: string; message: string; metrics: RunMetrics }>('run/failed');
