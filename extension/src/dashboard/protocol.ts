/**
 * Every message between the dashboard webview and the extension host. Imported by both sides; it imports only
 * types, so the webview bundle stays free of `vscode` and Node. Commands go webview → host, notifications
 * host → webview; each is a value with a `dashboard/<path>` method and an `.is()` guard.
 */
import { ipcScope } from '../ipc.js';
import type { RequestRecord, Summary, SummaryWindow } from '../../../daemon/src/protocol/observability.js';

export type { RequestRecord, Summary, SummaryWindow };

export type { IpcCommand, IpcMessage, IpcNotification } from '../ipc.js';

const { command, notification } = ipcScope('dashboard');

// ---- commands (webview → host) ---------------------------------------------------------------------

/** The webview has loaded: start sending data for this window. */
export const ReadyCommand = command<{ window: SummaryWindow }>('ready');
export const SetWindowCommand = command<{ window: SummaryWindow }>('window/set');
/** Show one request's record (attempts, decisions) in the detail view. */
export const SelectRequestCommand = command<{ id: string }>('request/select');

// ---- notifications (host → webview) -----------------------------------------------------------------

/** A fresh snapshot: the summary for the chosen window and the most recent requests. */
export const DataNotification = notification<{ summary: Summary; recent: RequestRecord[]; updatedAt: number }>('data');
export const RequestDetailNotification = notification<{ record?: RequestRecord; error?: string }>('request/detail');
/** The daemon cannot be reached or refused; plain words. */
export const ErrorNotification = notification<{ message: string }>('error');
