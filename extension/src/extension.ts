/**
 * Entry point. Activation only wires things up (no await on the daemon): finding or starting the daemon runs
 * in the background and reports through the status bar and the output channel.
 */
import * as vscode from 'vscode';
import { Commands } from './commands.js';
import { DaemonManager, type DaemonSnapshot } from './daemon/lifecycle.js';
import { LogTail } from './daemon/logTail.js';
import { daemonPaths, resolveDataFolder } from './daemon/paths.js';
import { buildLaunchSpec, type DaemonSettings } from './launch.js';
import { PlaygroundPanel } from './playground/playgroundPanel.js';
import { DashboardPanel } from './dashboard/dashboardPanel.js';
import { PROVIDERS, ProviderKeys, type ProviderId } from './providerKeys.js';
import { setProviderKey } from './setProviderKey.js';
import { DaemonStatusBar } from './statusBar.js';

/** What `activate` returns: read-only facts for other extensions and for the extension-host tests. */
export interface SwitchboardApi {
  readonly dataFolder: string;
  daemonSnapshot(): DaemonSnapshot;
  onDidChangeDaemon(listener: (s: DaemonSnapshot) => void): vscode.Disposable;
  hasProviderKey(provider: ProviderId): Promise<boolean>;
}

export function activate(context: vscode.ExtensionContext): SwitchboardApi {
  const config = () => vscode.workspace.getConfiguration('switchboard');
  const dataFolder = resolveDataFolder(config().get<string>('dataFolder'));
  const paths = daemonPaths(dataFolder);
  const output = vscode.window.createOutputChannel('Switchboard');
  const keys = new ProviderKeys(context.secrets);
  const log = (line: string) => output.appendLine(`[${new Date().toISOString()}] [extension] ${line}`);

  const settings = (): DaemonSettings => ({
    dataFolder,
    localModelPath: config().get<string>('localModelPath') || undefined,
    port: config().get<number | null>('port') ?? undefined,
    configFile: config().get<string>('configFile') || undefined,
    nodePath: config().get<string>('nodePath') || undefined,
  });
  const daemon = new DaemonManager({
    paths,
    log,
    launch: async () =>
      buildLaunchSpec({
        extensionPath: context.extensionPath,
        settings: settings(),
        keyEnv: await keys.env(),
        baseEnv: process.env,
        execPath: process.execPath,
      }),
  });
  const tail = new LogTail(paths.logFile, (text) => output.append(text));
  const statusBar = new DaemonStatusBar();
  statusBar.render(daemon.snapshot);

  const run = (what: string, job: () => Promise<unknown>) =>
    job().catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      log(`${what} failed: ${message}`);
      void vscode.window.showErrorMessage(`Switchboard: ${what} failed: ${message}`, 'Show Daemon Log').then((pick) => {
        if (pick) output.show(true);
      });
    });

  const offerRestart = async (why: string) => {
    const phase = daemon.snapshot.phase;
    if (phase !== 'ready' && phase !== 'degraded') return;
    const pick = await vscode.window.showInformationMessage(`${why} Restart the daemon to apply it.`, 'Restart Daemon');
    if (pick) await run('Restart', () => daemon.restart());
  };

  const commands: Record<string, (...args: unknown[]) => unknown> = {
    [Commands.openPlayground]: () => PlaygroundPanel.show(context.extensionUri, daemon),
    [Commands.openDashboard]: () => DashboardPanel.show(context.extensionUri, daemon),
    [Commands.startDaemon]: () => run('Start', () => daemon.start()),
    [Commands.stopDaemon]: () => run('Stop', () => daemon.stop()),
    [Commands.restartDaemon]: () => run('Restart', () => daemon.restart()),
    [Commands.showDaemonLog]: () => {
      tail.poll();
      output.show(true);
    },
    [Commands.setProviderApiKey]: async (args) => {
      const provider = await setProviderKey(keys, args);
      if (!provider) return;
      const label = PROVIDERS.find((p) => p.id === provider)?.label ?? provider;
      log(`${label} API key updated in secret storage.`);
      if (args === undefined) void offerRestart(`${label} key saved in VS Code's secret storage.`);
    },
    [Commands.daemonActions]: () => showDaemonActions(daemon.snapshot),
  };
  for (const [id, handler] of Object.entries(commands)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  }

  context.subscriptions.push(
    output,
    statusBar,
    { dispose: () => tail.dispose() },
    { dispose: () => daemon.dispose() },
    daemon.onDidChange((s) => statusBar.render(s)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('switchboard.dataFolder')) {
        void vscode.window
          .showInformationMessage('Switchboard: the data folder changed. Reload the window to use it.', 'Reload Window')
          .then((pick) => pick && vscode.commands.executeCommand('workbench.action.reloadWindow'));
      } else if (
        ['localModelPath', 'port', 'configFile', 'nodePath'].some((k) => e.affectsConfiguration(`switchboard.${k}`))
      ) {
        void offerRestart('Switchboard settings changed.');
      }
    }),
  );

  tail.start();
  daemon.watch();
  if (config().get<boolean>('autoStart', true)) void run('Start', () => daemon.start());
  else void daemon.connect();

  return {
    dataFolder,
    daemonSnapshot: () => daemon.snapshot,
    onDidChangeDaemon: (listener) => daemon.onDidChange(listener),
    hasProviderKey: (provider) => keys.has(provider),
  };
}

export function deactivate(): void {
  // The daemon is detached and shared with other windows: it keeps running. Subscriptions clean up the rest.
}

async function showDaemonActions(s: DaemonSnapshot): Promise<void> {
  const running = s.phase === 'ready' || s.phase === 'degraded';
  const items: Array<vscode.QuickPickItem & { command: string }> = [
    { label: '$(play) Start Daemon', command: Commands.startDaemon },
    { label: '$(debug-stop) Stop Daemon', command: Commands.stopDaemon },
    { label: '$(debug-restart) Restart Daemon', command: Commands.restartDaemon },
    { label: '$(output) Show Daemon Log', command: Commands.showDaemonLog },
    { label: '$(key) Set Provider API Key', command: Commands.setProviderApiKey },
    { label: '$(comment-discussion) Open Playground', command: Commands.openPlayground },
    { label: '$(graph) Open Dashboard', command: Commands.openDashboard },
  ].filter((i) => (running ? i.command !== Commands.startDaemon : i.command !== Commands.stopDaemon));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Switchboard daemon: ${s.phase}${s.state ? ` (pid ${s.state.pid})` : ''}`,
    placeHolder: 'Daemon command',
  });
  if (picked) await vscode.commands.executeCommand(picked.command);
}
