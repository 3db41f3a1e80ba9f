import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DaemonManager } from '../../extension/src/daemon/lifecycle.js';
import { daemonPaths, resolveDataFolder } from '../../extension/src/daemon/paths.js';
import { buildLaunchSpec } from '../../extension/src/launch.js';

describe('daemon lifecycle (no daemon needed)', () => {
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-life-'))));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('reports a daemon that exits during start-up, with its output in the log file', async () => {
    const lines: string[] = [];
    const manager = new DaemonManager({
      paths: daemonPaths(home),
      log: (l) => lines.push(l),
      launch: async () => ({
        command: process.execPath,
        args: ['-e', 'console.error("config error: bad yaml"); process.exit(3)'],
        env: process.env,
      }),
    });
    await assert.rejects(manager.start(), /exited during start-up \(exit code 3\)/);
    assert.equal(manager.snapshot.phase, 'stopped');
    assert.match(manager.snapshot.error ?? '', /exit code 3/);
    assert.match(fs.readFileSync(daemonPaths(home).logFile, 'utf8'), /config error: bad yaml/);
    manager.dispose();
  });

  it('ignores a stale state file whose process is gone', async () => {
    const paths = daemonPaths(home);
    fs.writeFileSync(paths.stateFile, JSON.stringify({ pid: 2 ** 22 + 12345, version: '0', host: '127.0.0.1', port: 1, socketPath: paths.socket, home, startedAt: '' }));
    const manager = new DaemonManager({ paths, log: () => undefined, launch: async () => ({ command: 'x', args: [], env: {} }) });
    assert.equal(await manager.connect(), false);
    manager.dispose();
  });

  it('resolves the data folder: setting, then $SWITCHBOARD_HOME, then ~/.switchboard', () => {
    assert.equal(resolveDataFolder('/a', { SWITCHBOARD_HOME: '/b' }), '/a');
    assert.equal(resolveDataFolder('', { SWITCHBOARD_HOME: '/b' }), '/b');
    assert.equal(resolveDataFolder(undefined, {}), path.join(os.homedir(), '.switchboard'));
    assert.equal(resolveDataFolder('~/sb', {}), path.join(os.homedir(), 'sb'));
  });

  it('launches the bundled daemon with keys from secret storage in its environment only', () => {
    const spec = buildLaunchSpec({
      extensionPath: '/ext',
      settings: { dataFolder: '/data', localModelPath: '/m.gguf', port: 0, configFile: '/c.yaml' },
      keyEnv: { OPENAI_API_KEY: 'sk-secret' },
      baseEnv: { PATH: '/bin', VSCODE_IPC_HOOK: 'x', ELECTRON_NO_ASAR: '1', OPENAI_API_KEY: 'from-shell' },
      execPath: '/editor/node',
    });
    assert.equal(spec.command, '/editor/node');
    assert.deepEqual(spec.args, ['/ext/dist/daemon/cli.js', 'serve', '--config', '/c.yaml']);
    assert.equal(spec.env.OPENAI_API_KEY, 'sk-secret');
    assert.equal(spec.env.ELECTRON_RUN_AS_NODE, '1');
    assert.equal(spec.env.SWITCHBOARD_HOME, '/data');
    assert.equal(spec.env.SWITCHBOARD_LOCAL_MODEL, '/m.gguf');
    assert.equal(spec.env.SWITCHBOARD_PORT, '0');
    assert.equal(spec.env.VSCODE_IPC_HOOK, undefined);
    assert.equal(spec.env.ELECTRON_NO_ASAR, undefined);
    assert.ok(!spec.args.join(' ').includes('sk-secret'), 'keys never go on the command line');
  });
});
