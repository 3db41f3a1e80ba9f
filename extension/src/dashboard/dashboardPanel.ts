/**
 * The extension-host side of the dashboard: one panel that polls the daemon's summary and recent requests
 * while it is visible (every 2 s) and relays them to the webview; the webview never touches the network.
 */
import * as vscode from 'vscode';
import type { DaemonManager } from '../daemon/lifecycle.js';
import { describeError } from '../playground/chatRun.js';
import { webviewHtml } from '../webviewHtml.js';
import {
  DataNotification,
  ErrorNotification,
  ReadyCommand,
  RequestDetailNotification,
  SelectRequestCommand,
  SetWindowCommand,
  type IpcCommand,
  type IpcMessage,
  type IpcNotification,
  type SummaryWindow,
} from './protocol.js';

type Handler<P> = (params: P) => unknown;
const POLL_MS = 2000;

export class DashboardPanel implements vscode.Disposable {
  static readonly viewType = 'switchboard.dashboard';
  private static current: DashboardPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly handlers: Array<{ type: IpcCommand<unknown>; handler: Handler<unknown> }> = [];
  private window: SummaryWindow = '1h';
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  static show(extensionUri: vscode.Uri, daemon: DaemonManager): DashboardPanel {
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal();
      return DashboardPanel.current;
    }
    const bundleRoot = vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'dashboard');
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, 'Switchboard Dashboard', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [bundleRoot],
    });
    DashboardPanel.current = new DashboardPanel(panel, bundleRoot, daemon);
    return DashboardPanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    bundleRoot: vscode.Uri,
    private readonly daemon: DaemonManager,
  ) {
    panel.webview.html = webviewHtml(panel.webview, bundleRoot, vscode.Uri.joinPath, { title: 'Switchboard Dashboard', dataImages: true });
    this.on(ReadyCommand, (p) => {
      this.window = p.window;
      this.schedule(0);
    });
    this.on(SetWindowCommand, (p) => {
      this.window = p.window;
      this.schedule(0);
    });
    this.on(SelectRequestCommand, (p) => this.sendDetail(p.id));
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.dispatch(m)),
      panel.onDidDispose(() => this.dispose()),
      // Polling only while someone can see it.
      panel.onDidChangeViewState(() => this.schedule(panel.visible ? 0 : undefined)),
    );
  }

  dispose(): void {
    DashboardPanel.current = undefined;
    clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private on<P>(type: IpcCommand<P>, handler: Handler<P>): void {
    this.handlers.push({ type: type as IpcCommand<unknown>, handler: handler as Handler<unknown> });
  }

  private dispatch(message: unknown): void {
    const route = this.handlers.find((h) => h.type.is(message));
    if (!route) return;
    Promise.resolve(route.handler((message as IpcMessage).params)).catch((err) => this.notify(ErrorNotification, { message: describeError(err) }));
  }

  private notify<P>(type: IpcNotification<P>, params: P): void {
    void this.panel.webview.postMessage(type.create(params));
  }

  /** Next poll after `ms`; undefined stops polling (hidden panel). */
  private schedule(ms: number | undefined): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (ms !== undefined) this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const client = await this.daemon.ensureRunning();
      const [summary, recent] = await Promise.all([client.summary(this.window), client.requests({ limit: '50' })]);
      this.notify(DataNotification, { summary, recent: recent.records, updatedAt: Date.now() });
    } catch (err) {
      this.notify(ErrorNotification, { message: describeError(err) });
    } finally {
      this.polling = false;
      if (this.panel.visible) this.schedule(POLL_MS);
    }
  }

  private async sendDetail(id: string): Promise<void> {
    try {
      const client = await this.daemon.ensureRunning();
      const { records } = await client.requests({ id, limit: '1' });
      this.notify(RequestDetailNotification, records[0] ? { record: records[0] } : { error: `Request ${id} is no longer in the log.` });
    } catch (err) {
      this.notify(RequestDetailNotification, { error: describeError(err) });
    }
  }
}
