/** The data folder (SWITCHBOARD_HOME, default ~/.switchboard) and the files the daemon keeps in it. */
import { randomBytes, createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DaemonStateSchema, type DaemonState } from '../protocol/switchboard.js';

export function resolveHome(env: Record<string, string | undefined> = process.env): string {
  return path.resolve(env.SWITCHBOARD_HOME || path.join(os.homedir(), '.switchboard'));
}

export function ensureHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
}

/** Unix socket paths are limited to ~107 bytes; a deep data folder gets a socket in the temp folder instead. */
export function socketPathFor(home: string): string {
  const preferred = path.join(home, 'daemon.sock');
  if (Buffer.byteLength(preferred) <= 100) return preferred;
  return path.join(os.tmpdir(), `switchboard-${createHash('sha256').update(home).digest('hex').slice(0, 16)}.sock`);
}

/** Writes a file so that readers see the old or the new content, never half of it. */
export function writeFileAtomic(file: string, content: string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}

/** `writeFileAtomic` off the event loop, for files rewritten while requests are being served. */
export async function writeFileAtomicAsync(file: string, content: string, mode = 0o600): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, file);
}

export interface MasterKey {
  key: string;
  /** True when it was generated just now (the CLI prints it once). */
  created: boolean;
  source: 'env' | 'file';
}

/** SWITCHBOARD_MASTER_KEY, else `<home>/master.key`, generated (0600) on first start. */
export function loadMasterKey(home: string, env: Record<string, string | undefined> = process.env): MasterKey {
  const fromEnv = env.SWITCHBOARD_MASTER_KEY?.trim();
  if (fromEnv) return { key: fromEnv, created: false, source: 'env' };
  const file = path.join(home, 'master.key');
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    const key = readFileSync(file, 'utf8').trim();
    if (key) return { key, created: false, source: 'file' };
  }
  const key = `sb-${randomBytes(24).toString('base64url')}`;
  writeFileAtomic(file, key + '\n');
  return { key, created: true, source: 'file' };
}

export const stateFile = (home: string) => path.join(home, 'daemon.json');

export function writeState(state: DaemonState): void {
  writeFileAtomic(stateFile(state.home), JSON.stringify(state, null, 2) + '\n');
}

export function readState(home: string): DaemonState | undefined {
  try {
    const parsed = DaemonStateSchema.safeParse(JSON.parse(readFileSync(stateFile(home), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the state file only when it still describes this process. */
export function clearState(home: string, pid = process.pid): void {
  if (readState(home)?.pid === pid) rmSync(stateFile(home), { force: true });
}
