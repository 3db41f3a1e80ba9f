/**
 * Starts the real daemon (the built CLI, `dist/daemon/cli.js serve`) as a child process on a free port with
 * its own data folder, and stops it. Tests talk to it over real HTTP and its unix socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './paths.js';

export const cliPath = path.join(repoRoot, 'dist/daemon/cli.js');

export interface TestDaemon {
  url: string;
  /** Base URL for the OpenAI SDK (`…/v1`). */
  openaiURL: string;
  port: number;
  key: string;
  home: string;
  socketPath: string;
  proc: ChildProcess;
  /** Everything the daemon wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM (or the given signal), then waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  /** switchboard.yaml content, written into the data folder and passed with --config. */
  configYaml?: string;
  args?: string[];
  /** Omit SWITCHBOARD_MASTER_KEY so the daemon generates one. */
  generateKey?: boolean;
  /** Use this data folder (kept on stop) instead of a fresh temporary one: restart tests. */
  home?: string;
  /** The daemon's CLI file; default the build's (dist/daemon/cli.js), e.g. the one inside an unpacked .vsix. */
  cli?: string;
}

export async function spawnDaemon(opts: SpawnOptions = {}): Promise<TestDaemon> {
  const cli = opts.cli ?? cliPath;
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first (npm test does).`);
  const home = opts.home ?? mkdtempSync(path.join(os.tmpdir(), 'sb-test-'));
  const key = opts.generateKey ? '' : `sb-test-${Math.random().toString(36).slice(2)}`;
  const args = [cli, 'serve', '--port', '0', ...(opts.args ?? [])];
  if (opts.configYaml !== undefined) {
    const file = path.join(home, 'switchboard.yaml');
    writeFileSync(file, opts.configYaml);
    args.push('--config', file);
  }
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SWITCHBOARD_HOME: home,
    SWITCHBOARD_LOG_LEVEL: 'debug',
    ...(key && { SWITCHBOARD_MASTER_KEY: key }),
    ...opts.env,
  };
  const proc = spawn(process.execPath, args, { env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d) => (output += d));
  proc.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

  const stateFile = path.join(home, 'daemon.json');
  const deadline = Date.now() + 15_000;
  while (!existsSync(stateFile)) {
    if (proc.exitCode !== null) throw new Error(`daemon exited with ${proc.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`daemon did not start within 15 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { port: number; socketPath: string };
  const url = `http://127.0.0.1:${state.port}`;
  return {
    url,
    openaiURL: `${url}/v1`,
    port: state.port,
    key: key || readFileSync(path.join(home, 'master.key'), 'utf8').trim(),
    home,
    socketPath: state.socketPath,
    proc,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      if (!opts.home) rmSync(home, { recursive: true, force: true });
      return code;
    },
  };
}

/** Waits until GET /health reports the tier ready (the local model loads in the background). */
export async function waitForTier(d: TestDaemon, tier: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = (await (await fetch(`${d.url}/health`)).json()) as { tiers: { id: string; state: string }[] };
    const state = health.tiers.find((t) => t.id === tier)?.state;
    if (state === 'ready') return;
    if (state === 'error' || Date.now() > deadline) throw new Error(`tier ${tier} is ${state}:\n${d.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
