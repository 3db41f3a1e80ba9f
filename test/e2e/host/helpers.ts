/** Helpers for the tests that run inside the extension host. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SwitchboardApi } from '../../../extension/src/extension.js';

export const EXTENSION_ID = 'switchboard.switchboard';

export function extension(): vscode.Extension<SwitchboardApi> {
  const ext = vscode.extensions.getExtension<SwitchboardApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  return ext;
}

export function home(): string {
  const h = process.env.SWITCHBOARD_HOME;
  if (!h) throw new Error('SWITCHBOARD_HOME is not set for the test run');
  return h;
}

export function stateFile(): string {
  return path.join(home(), 'daemon.json');
}

export function readState(): { pid: number; socketPath: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile(), 'utf8'));
  } catch {
    return undefined;
  }
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a daemon the way a user would from a terminal (not through the extension). */
export function startDaemonOutsideVsCode(): ChildProcess {
  const cli = path.join(extension().extensionPath, 'dist', 'daemon', 'cli.js');
  const log = fs.openSync(path.join(home(), 'outside-daemon.log'), 'a');
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  const child = spawn(process.execPath, [cli, 'serve'], { stdio: ['ignore', log, log], env });
  fs.closeSync(log);
  return child;
}

/** The process group of a pid (field 5 of /proc/<pid>/stat). */
export function processGroup(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/** Every regular file under `dir` whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const bytes = Buffer.from(needle);
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        try {
          if (fs.readFileSync(p).includes(bytes)) hits.push(p);
        } catch {
          // vanished while walking
        }
      }
    }
  };
  walk(dir);
  return hits;
}
