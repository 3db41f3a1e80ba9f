/** The webview's only channel out: VS Code's postMessage bridge (the webview never touches the network). */
import type { IpcCommand } from '../../extension/src/playground/protocol.js';

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

export interface SavedState {
  model?: string;
  system?: string;
  user?: string;
}

export function loadState(): SavedState {
  const s = api.getState();
  return typeof s === 'object' && s !== null ? (s as SavedState) : {};
}

export function saveState(state: SavedState): void {
  api.setState(state);
}
