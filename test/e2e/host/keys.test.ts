import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { Commands } from '../../../extension/src/commands.js';
import { DaemonClient } from '../../../extension/src/daemon/client.js';
import { extension, filesContaining, home, waitFor } from './helpers.js';

const api = () => extension().exports;
const key = `sk-e2e-${randomBytes(12).toString('hex')}`;

async function restartAndWait(): Promise<{ pid: number; socketPath: string }> {
  const before = api().daemonSnapshot().state?.pid;
  await vscode.commands.executeCommand(Commands.restartDaemon);
  const s = await waitFor('the restarted daemon', () => {
    const snap = api().daemonSnapshot();
    return (snap.phase === 'ready' || snap.phase === 'degraded') && snap.state && snap.state.pid !== before ? snap.state : undefined;
  }, 60_000);
  return s;
}

function environOf(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
}

describe('provider keys (SecretStorage)', () => {
  after(async () => {
    await vscode.commands.executeCommand(Commands.stopDaemon);
  });

  it('stores a key in SecretStorage and hands it to the daemon it starts', async () => {
    assert.equal(await api().hasProviderKey('openai'), false);
    await vscode.commands.executeCommand(Commands.setProviderApiKey, { provider: 'openai', apiKey: key });
    assert.equal(await api().hasProviderKey('openai'), true);
    const state = await restartAndWait();
    assert.ok(environOf(state.pid).includes(`OPENAI_API_KEY=${key}`), 'the daemon did not get the key in its environment');
    const health = await new DaemonClient(state.socketPath).health();
    const openai = health.tiers.find((t) => t.id === 'openai');
    assert.ok(openai && openai.state !== 'unconfigured', `openai tier: ${JSON.stringify(openai)}`);
  });

  it('never writes the key to a file: not in the data folder, the settings, or the workspace', async () => {
    const places = [home(), process.env.SWITCHBOARD_E2E_USER_DATA, ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)];
    for (const place of places) {
      assert.ok(place, 'a place to search is unset');
      assert.deepEqual(filesContaining(place, key), [], `the key was found in files under ${place}`);
    }
    const inspected = JSON.stringify(vscode.workspace.getConfiguration('switchboard'));
    assert.ok(!inspected.includes(key), 'the key is in the settings');
  });

  it('an empty key removes it, and the next daemon starts without it', async () => {
    await vscode.commands.executeCommand(Commands.setProviderApiKey, { provider: 'openai', apiKey: '' });
    assert.equal(await api().hasProviderKey('openai'), false);
    const state = await restartAndWait();
    assert.ok(!environOf(state.pid).includes(`OPENAI_API_KEY=${key}`), 'the removed key still reached the daemon');
  });
});
