import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { PALETTE_COMMANDS, Commands } from '../../../extension/src/commands.js';
import { extension, startDaemonOutsideVsCode, waitFor, readState } from './helpers.js';
import { shared } from './shared.js';

describe('activation and commands', () => {
  it('is lazy: not active after the workbench has started', () => {
    assert.equal(extension().isActive, false);
  });

  it('contributes the six commands under the "Switchboard" category, and lazy activation events', () => {
    const contributes = extension().packageJSON.contributes as { commands: Array<{ command: string; title: string; category: string }> };
    const palette = contributes.commands.filter((c) => c.command !== Commands.daemonActions);
    assert.deepEqual(
      palette.map((c) => [c.command, c.category, c.title]),
      PALETTE_COMMANDS.map((c) => [c.id, 'Switchboard', c.title]),
    );
    const events = extension().packageJSON.activationEvents as string[];
    assert.ok(events.includes('workspaceContains:**/switchboard.yaml'));
    assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), 'activation must stay lazy');
  });

  it('activates on one of its commands and registers every command', async () => {
    // A daemon started from a terminal first: the next suite checks that the extension reuses it.
    shared.outside = startDaemonOutsideVsCode();
    await waitFor('the outside daemon to write daemon.json', () => readState()?.pid === shared.outside?.pid, 30_000);

    await vscode.commands.executeCommand(Commands.showDaemonLog);
    assert.equal(extension().isActive, true);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of Object.values(Commands)) assert.ok(registered.has(id), `${id} is not registered`);
  });
});
