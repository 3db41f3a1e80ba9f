/** The status bar item: daemon phase and available tiers; a click opens the daemon quick pick. */
import * as vscode from 'vscode';
import { Commands } from './commands.js';
import type { DaemonSnapshot } from './daemon/lifecycle.js';

export class DaemonStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('switchboard.daemon', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'Switchboard Daemon';
    this.item.command = Commands.daemonActions;
    this.item.show();
  }

  render(s: DaemonSnapshot): void {
    const up = s.health?.tiers.filter((t) => t.available).map((t) => t.id) ?? [];
    const tiers = up.length ? up.join(' · ') : 'no tiers';
    switch (s.phase) {
      case 'starting':
        this.item.text = '$(loading~spin) Switchboard: starting';
        break;
      case 'stopping':
        this.item.text = '$(loading~spin) Switchboard: stopping';
        break;
      case 'ready':
        this.item.text = `$(radio-tower) Switchboard: ${tiers}`;
        break;
      case 'degraded':
        this.item.text = `$(warning) Switchboard: degraded (${tiers})`;
        break;
      case 'stopped':
        this.item.text = '$(circle-slash) Switchboard: stopped';
        break;
    }
    this.item.backgroundColor =
      s.phase === 'degraded' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.tooltip = tooltip(s);
    this.item.accessibilityInformation = { label: `Switchboard daemon ${s.phase}, tiers available: ${tiers}` };
  }

  dispose(): void {
    this.item.dispose();
  }
}

function tooltip(s: DaemonSnapshot): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**Switchboard daemon: ${s.phase}**\n\n`);
  if (s.error) md.appendText(`${s.error}\n\n`);
  if (s.state) {
    md.appendText(`pid ${s.state.pid} · v${s.state.version} · port ${s.state.port}${s.spawnedByUs ? ' · started by this window' : ''}\n\n`);
  }
  for (const t of s.health?.tiers ?? []) {
    md.appendMarkdown(`${t.available ? '$(check)' : '$(circle-slash)'} `);
    md.appendText(`${t.id}: ${t.state}${t.detail ? ` — ${t.detail}` : ''}\n\n`);
  }
  md.appendMarkdown('Click for daemon commands.');
  return md;
}
