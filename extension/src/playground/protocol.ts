/**
 * Every message between the playground webview and the extension host. Imported by both sides; the webview
 * bundle must stay free of `vscode` and Node imports, so this file imports nothing.
 *
 * Commands go webview → host, notifications host → webview. Each message type is a value with a `method`
 * (`playground/<path>`) and an `.is()` guard, so handlers are bound by message, not by string.
 */

export interface IpcMessage<Params = unknown> {
  method: string;
  params: Params;
}

abstract class IpcType<Params> {
  readonly method: string;
  constructor(path: string) {
    this.method = `playground/${path}`;
  }
  is(message: unknown): message is IpcMessage<Params> {
    return typeof message === 'object' && message !== null && (message as IpcMessage).method === this.method;
  }
  create(params: Params): IpcMessage<Params> {
    return { method: this.method, params };
  }
}

/** Webview → host. */
export class IpcCommand<Params> extends IpcType<Params> {
  readonly direction = 'toHost' as const;
}

/** Host → webview. */
export class IpcNotification<Params> extends IpcType<Params> {
  readonly direction = 'toWebview' as const;
}

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
export const ReadyCommand = new IpcCommand<Record<string, never>>('ready');
export const RefreshModelsCommand = new IpcCommand<Record<string, never>>('models/refresh');
export const StartDaemonCommand = new IpcCommand<Record<string, never>>('daemon/start');
export interface SendParams {
  runId: string;
  model: string;
  system: string;
  user: string;
  /** Upper bound on generated tokens (max_tokens). */
  maxTokens?: number;
}
export const SendCommand = new IpcCommand<SendParams>('run/send');
export const StopCommand = new IpcCommand<{ runId: string }>('run/stop');

// ---- notifications (host → webview) -----------------------------------------------------------------

export interface DaemonStateParams {
  phase: DaemonPhase;
  /** Plain words: why it is stopped, which tiers are up. */
  detail: string;
}
export const DaemonStateNotification = new IpcNotification<DaemonStateParams>('daemon/state');

export interface ModelsParams {
  models: ModelOption[];
  /** Why the list is empty, in plain words. */
  error?: string;
}
export const ModelsNotification = new IpcNotification<ModelsParams>('models');

export const RunStartedNotification = new IpcNotification<{ runId: string; provider?: string; model?: string }>('run/started');
export const RunDeltaNotification = new IpcNotification<{ runId: string; text: string }>('run/delta');
export const RunFinishedNotification = new IpcNotification<{ runId: string; metrics: RunMetrics }>('run/finished');
export const RunFailedNotification = new IpcNotification<{ runId: string; message: string; metrics: RunMetrics }>('run/failed');
