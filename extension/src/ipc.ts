/**
 * The message vocabulary shared by every webview panel and its host: a message is a value with a
 * `<panel>/<path>` method and an `.is()` guard, so handlers are bound by message, not by string. Imports
 * nothing: the webview bundles stay free of `vscode` and Node.
 */
export interface IpcMessage<Params = unknown> {
  method: string;
  params: Params;
}

abstract class IpcType<Params> {
  constructor(readonly method: string) {}
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

/** Message constructors for one panel: `ipcScope('playground').command<P>('run/send')` is `playground/run/send`. */
export function ipcScope(scope: string) {
  return {
    command: <Params>(path: string) => new IpcCommand<Params>(`${scope}/${path}`),
    notification: <Params>(path: string) => new IpcNotification<Params>(`${scope}/${path}`),
  };
}
