import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../../extension/src/commands.js';
import { DaemonClient } from '../../../extension/src/daemon/client.js';
import { extension, home, isAlive, processGroup, readState, startDaemonOutsideVsCode, stateFile, waitFor } from './helpers.js';
import { shared } from './shared.js';

const api = () => extension().exports;
const ready = (pid?: number) => {
  const s = api().daemonSnapshot();
  return (s.phase === 'ready' || s.phase === 'degraded') && (pid === undefined || s.state?.pid === pid) ? s : undefined;
};

describe('daemon lifecycle', () => {
  it('reuses the daemon already serving the data folder', async () => {
    const pid = shared.outside?.pid;
    assert.ok(pid, 'the activation suite started an outside daemon');
    const s = await waitFor('the extension to connect to the outside daemon', () => ready(pid), 30_000);
    assert.equal(s.spawnedByUs, false);
    assert.equal(api().dataFolder, home());
  });

  it('Restart Daemon replaces it with a detached daemon the extension started', async () => {
    const oldPid = shared.outside!.pid!;
    await vscode.commands.executeCommand(Commands.restartDaemon);
    const s = await waitFor('a new daemon', () => {
      const r = ready();
      return r && r.state?.pid !== oldPid ? r : undefined;
    }, 60_000);
    assert.equal(s.spawnedByUs, true);
    assert.equal(isAlive(oldPid), false, 'the old daemon still runs');
    const pid = s.state!.pid;
    assert.equal(readState()?.pid, pid);
    // Detached: its own process group, so closing this window does not take it down.
    assert.equal(processGroup(pid), pid);
    const health = await new DaemonClient(s.state!.socketPath).health();
    assert.equal(health.pid, pid);
    assert.ok(health.tiers.some((t) => t.id === 'local' && t.available), 'the local tier is available');
    // Its output goes to the log file the output channel follows.
    const log = await waitFor('the daemon log', () => {
      const text = fs.existsSync(path.join(home(), 'logs', 'daemon.log')) && fs.readFileSync(path.join(home(), 'logs', 'daemon.log'), 'utf8');
      return text && text.includes('listening') ? text : undefined;
    });
    assert.match(log, /listening/);
  });

  it('Stop Daemon ends it and its state file goes away', async () => {
    const pid = api().daemonSnapshot().state!.pid;
    await vscode.commands.executeCommand(Commands.stopDaemon);
    assert.equal(api().daemonSnapshot().phase, 'stopped');
    assert.equal(isAlive(pid), false);
    await waitFor('daemon.json to be removed', () => !fs.existsSync(stateFile()), 5_000);
  });

  it('reconnects when a daemon starts again (here: from a terminal)', async () => {
    shared.outside = startDaemonOutsideVsCode();
    const s = await waitFor('the extension to pick up the new daemon', () => ready(shared.outside!.pid), 30_000);
    assert.equal(s.spawnedByUs, false);
  });

  it('notices when the daemon goes away', async () => {
    const child = shared.outside!;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await waitFor('the status to become stopped', () => api().daemonSnapshot().phase === 'stopped', 15_000);
  });

  it('Start Daemon starts the bundled daemon when none runs', async () => {
    await vscode.commands.executeCommand(Commands.startDaemon);
    const s = ready();
    assert.ok(s, `not running after Start Daemon: ${JSON.stringify(api().daemonSnapshot())}`);
    assert.equal(s.spawnedByUs, true);
    // Starting again reuses it.
    await vscode.commands.executeCommand(Commands.startDaemon);
    assert.equal(api().daemonSnapshot().state?.pid, s.state!.pid);
  });
});
