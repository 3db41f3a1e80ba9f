/**
 * Every message between the dashboard webview and the extension host. Imported by both sides; it imports only
 * types, so the webview bundle stays free of `vscode` and Node. Commands go webview → host, notifications
 * host → webview; each is a value with a `dashboard/<path>` method and an `.is()` guard.
 */
import type { RequestRecord, Summary, SummaryWindow } from '../../../daemon/src/protocol/observability.js';

export type { RequestRecord, Summary, SummaryWindow };

export interface IpcMessage<Params = unknown> {
  method: string;
  params: Params;
}

abstract class IpcType<Params> {
  readonly method: string;
  constructor(path: string) {
    this.method = `dashboard/${path}`;
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

// ---- commands (webview → host) ---------------------------------------------------------------------

/** The webview has loaded: start sending data for this window. */
export const ReadyCommand = new IpcCommand<{ window: SummaryWindow }>('ready');
export const SetWindowCommand = new IpcCommand<{ window: SummaryWindow }>('window/set');
/** Show one request's record (attempts, decisions) in the detail view. */
export const SelectRequestCommand = new IpcCommand<{ id: string }>('request/select');

// ---- notifications (host → webview) -----------------------------------------------------------------

/** A fresh snapshot: the summary for the chosen window and the most recent requests. */
export const DataNotification = new IpcNotification<{ summary: Summary; recent: RequestRecord[]; updatedAt: number }>('data');
export const RequestDetailNotification = new IpcNotification<{ record?: RequestRecord; error?: string }>('request/detail');
/** The daemon cannot be reached or refused; plain words. */
export const ErrorNotification = new IpcNotification<{ message: string }>('error');
