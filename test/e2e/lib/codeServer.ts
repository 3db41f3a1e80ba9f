/**
 * Starts code-server 4.100.3 (installed by scripts/e2eSetup.sh) in a throw-away folder, with everything it
 * writes kept inside that folder, and stops it with its whole process group.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const codeServerBin = path.join(repoRoot, '.cache/code-server/node_modules/.bin/code-server');
export const tinyModel = path.resolve(repoRoot, '../shared/models/llama-2-tiny-random.gguf');

export interface RunDirs {
  root: string;
  userData: string;
  extensions: string;
  workspace: string;
  /** SWITCHBOARD_HOME for this run. */
  home: string;
  xdg: string;
}

/** A fresh folder under .e2e/ for one scenario. */
export function makeRunDirs(name: string): RunDirs {
  // A fresh clone has no .e2e/ yet (it is git-ignored).
  fs.mkdirSync(path.join(repoRoot, '.e2e'), { recursive: true });
  const root = fs.mkdtempSync(path.join(repoRoot, '.e2e', `${name}-`));
  const dirs: RunDirs = {
    root,
    userData: path.join(root, 'user-data'),
    extensions: path.join(root, 'extensions'),
    workspace: path.join(root, 'workspace'),
    home: path.join(root, 'switchboard-home'),
    xdg: path.join(root, 'xdg'),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  // The run folder sits inside this repository: keep git and the welcome page out of the screenshots.
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({ 'git.openRepositoryInParentFolders': 'never', 'workbench.startupEditor': 'none', 'git.enabled': false }, null, 2),
  );
  return dirs;
}

/** The environment code-server (and so the extension host and any daemon it starts) sees. */
export function scenarioEnv(dirs: RunDirs, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Keys must come from SecretStorage in these tests, never from the environment.
  delete env.OPENAI_API_KEY;
  delete env.ANTHROPIC_API_KEY;
  delete env.SWITCHBOARD_MASTER_KEY;
  for (const name of Object.keys(env)) if (name.startsWith('VSCODE_')) delete env[name];
  return {
    ...env,
    XDG_CONFIG_HOME: path.join(dirs.xdg, 'config'),
    XDG_DATA_HOME: path.join(dirs.xdg, 'data'),
    XDG_CACHE_HOME: path.join(dirs.xdg, 'cache'),
    SWITCHBOARD_HOME: dirs.home,
    SWITCHBOARD_PORT: '0',
    SWITCHBOARD_LOCAL_MODEL: tinyModel,
    ...extra,
  };
}

export async function installExtension(vsix: string, dirs: RunDirs): Promise<void> {
  await promisify(execFile)(
    codeServerBin,
    ['--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData, '--install-extension', vsix],
    { env: scenarioEnv(dirs), timeout: 60_000 },
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface CodeServer {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startCodeServer(dirs: RunDirs, env: NodeJS.ProcessEnv): Promise<CodeServer> {
  const port = await freePort();
  const log = fs.openSync(path.join(dirs.root, 'code-server.log'), 'a');
  const child = spawn(
    codeServerBin,
    [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir', dirs.userData,
      '--extensions-dir', dirs.extensions,
      dirs.workspace,
    ],
    { env, stdio: ['ignore', log, log], detached: true },
  );
  fs.closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${dirs.root}/code-server.log`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('code-server did not start in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    child,
    async stop() {
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
