/** The webview's only channel out: VS Code's postMessage bridge (the webview never touches the network). */
import type { IpcCommand, SummaryWindow } from '../../extension/src/dashboard/protocol.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function send<P>(type: IpcCommand<P>, params: P): void {
  api.postMessage(type.create(params));
}

export function savedWindow(): SummaryWindow {
  const s = api.getState() as { window?: SummaryWindow } | undefined;
  return s?.window ?? '1h';
}

export function saveWindow(window: SummaryWindow): void {
  api.setState({ window });
}
