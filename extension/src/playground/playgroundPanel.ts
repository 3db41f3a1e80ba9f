/** The extension-host side of the playground: one panel, relaying between the webview and the daemon. */
import * as vscode from 'vscode';
import type { DaemonManager, DaemonSnapshot } from '../daemon/lifecycle.js';
import { describeError, runChat, RunError } from './chatRun.js';
import { webviewHtml } from '../webviewHtml.js';
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
  type IpcCommand,
  type IpcMessage,
  type IpcNotification,
  type SendParams,
} from './protocol.js';

type Handler<P> = (params: P) => unknown;

export class PlaygroundPanel implements vscode.Disposable {
  static readonly viewType = 'switchboard.playground';
  private static current: PlaygroundPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly handlers: Array<{ type: IpcCommand<unknown>; handler: Handler<unknown> }> = [];
  private readonly runs = new Map<string, AbortController>();

  /** Shows the playground, creating it on first use. */
  static show(extensionUri: vscode.Uri, daemon: DaemonManager): PlaygroundPanel {
    if (PlaygroundPanel.current) {
      PlaygroundPanel.current.panel.reveal();
      return PlaygroundPanel.current;
    }
    const bundleRoot = vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'playground');
    const panel = vscode.window.createWebviewPanel(PlaygroundPanel.viewType, 'Switchboard Playground', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [bundleRoot],
    });
    PlaygroundPanel.current = new PlaygroundPanel(panel, bundleRoot, daemon);
    return PlaygroundPanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    bundleRoot: vscode.Uri,
    private readonly daemon: DaemonManager,
  ) {
    panel.webview.html = webviewHtml(panel.webview, bundleRoot, vscode.Uri.joinPath, { title: 'Switchboard Playground' });
    this.on(ReadyCommand, () => this.onReady());
    this.on(RefreshModelsCommand, () => this.sendModels());
    this.on(StartDaemonCommand, () => this.startDaemon());
    this.on(SendCommand, (p) => this.send(p));
    this.on(StopCommand, (p) => this.runs.get(p.runId)?.abort());
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.dispatch(m)),
      panel.onDidDispose(() => this.dispose()),
      daemon.onDidChange((s) => this.onDaemonChange(s)),
    );
  }

  dispose(): void {
    PlaygroundPanel.current = undefined;
    for (const run of this.runs.values()) run.abort();
    this.runs.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private on<P>(type: IpcCommand<P>, handler: Handler<P>): void {
    this.handlers.push({ type: type as IpcCommand<unknown>, handler: handler as Handler<unknown> });
  }

  private dispatch(message: unknown): void {
    const route = this.handlers.find((h) => h.type.is(message));
    if (!route) return;
    Promise.resolve(route.handler((message as IpcMessage).params)).catch((err) =>
      void vscode.window.showErrorMessage(`Switchboard Playground: ${describeError(err)}`),
    );
  }

  private notify<P>(type: IpcNotification<P>, params: P): void {
    void this.panel.webview.postMessage(type.create(params));
  }

  private async onReady(): Promise<void> {
    this.notifyDaemon(this.daemon.snapshot);
    await this.startDaemon();
  }

  private async startDaemon(): Promise<void> {
    try {
      await this.daemon.ensureRunning();
    } catch (err) {
      this.notify(ModelsNotification, { models: [], error: describeError(err) });
      return;
    }
    await this.sendModels();
  }

  private onDaemonChange(snapshot: DaemonSnapshot): void {
    this.notifyDaemon(snapshot);
    if (snapshot.phase === 'ready' || snapshot.phase === 'degraded') void this.sendModels();
  }

  private notifyDaemon(s: DaemonSnapshot): void {
    const tiers = s.health?.tiers.filter((t) => t.available).map((t) => t.id) ?? [];
    const detail =
      s.phase === 'stopped'
        ? s.error ?? 'The daemon is not running.'
        : s.phase === 'ready' || s.phase === 'degraded'
          ? `Daemon ${s.phase}${tiers.length ? `; tiers up: ${tiers.join(', ')}` : '; no tier is available'}.`
          : `Daemon ${s.phase}…`;
    this.notify(DaemonStateNotification, { phase: s.phase, detail });
  }

  private async sendModels(): Promise<void> {
    try {
      const list = await this.daemon.client().models();
      this.notify(ModelsNotification, {
        models: list.data.map((m) => ({ id: m.id, available: m.available ?? true, target: m.target })),
      });
    } catch (err) {
      this.notify(ModelsNotification, { models: [], error: describeError(err) });
    }
  }

  private async send(params: SendParams): Promise<void> {
    const abort = new AbortController();
    this.runs.set(params.runId, abort);
    const runId = params.runId;
    try {
      const client = await this.daemon.ensureRunning();
      const metrics = await runChat(
        client,
        params,
        {
          started: (meta) => this.notify(RunStartedNotification, { runId, ...meta }),
          delta: (text) => this.notify(RunDeltaNotification, { runId, text }),
        },
        abort.signal,
      );
      this.notify(RunFinishedNotification, { runId, metrics });
    } catch (err) {
      const metrics = err instanceof RunError ? err.metrics : { totalMs: 0, stopped: false };
      this.notify(RunFailedNotification, { runId, message: err instanceof RunError ? err.message : describeError(err), metrics });
    } finally {
      this.runs.delete(runId);
    }
  }
}
