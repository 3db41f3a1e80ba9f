/**
 * Finds, starts, watches and stops the daemon for one data folder. Several VS Code windows share one daemon:
 * a daemon is found through `<home>/daemon.json` plus a health check over its socket, and one this extension
 * starts is detached, so it outlives the window. Knows nothing of VS Code (the caller injects how to launch).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DaemonStateSchema, type DaemonState, type HealthResponse } from '../../../daemon/src/protocol/switchboard.js';
import { DaemonClient } from './client.js';
import type { DaemonPaths } from './paths.js';
import { isAlive, sleep, waitForExit } from './process.js';

export type DaemonPhase = 'stopped' | 'starting' | 'ready' | 'degraded' | 'stopping';

export interface DaemonSnapshot {
  phase: DaemonPhase;
  /** The running daemon's state file, when connected. */
  state?: DaemonState;
  health?: HealthResponse;
  /** True when this extension host spawned the daemon it is connected to. */
  spawnedByUs: boolean;
  /** Why the daemon is stopped, when it did not stop on request. */
  error?: string;
}

/** What to run to start a daemon: decided by the caller at start time (settings and keys may have changed). */
export interface LaunchSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface DaemonManagerOptions {
  paths: DaemonPaths;
  launch: () => Promise<LaunchSpec>;
  /** Lifecycle messages for the output channel. */
  log: (line: string) => void;
  startTimeoutMs?: number;
  /** How often a connected daemon is health-checked and a stopped one looked for. */
  watchIntervalMs?: number;
}

type Listener = (snapshot: DaemonSnapshot) => void;

export class DaemonManager {
  private snap: DaemonSnapshot = { phase: 'stopped', spawnedByUs: false };
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private watching = false;
  private disposed = false;

  constructor(private readonly options: DaemonManagerOptions) {}

  get snapshot(): DaemonSnapshot {
    return this.snap;
  }

  /** A client for the connected daemon (or for the default socket when none is connected yet). */
  client(): DaemonClient {
    return new DaemonClient(this.snap.state?.socketPath ?? this.options.paths.socket);
  }

  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Starts the background watch: health of a connected daemon, appearance of a daemon when stopped. */
  watch(): void {
    if (this.timer || this.disposed) return;
    const interval = this.options.watchIntervalMs ?? 5_000;
    this.timer = setInterval(() => void this.tick(), interval);
    this.timer.unref?.();
  }

  /** Connects to a daemon already serving this data folder; false when there is none. */
  connect(): Promise<boolean> {
    return this.exclusive(() => this.tryConnect());
  }

  /** Connects to a running daemon, or starts one and waits until it serves. */
  start(): Promise<DaemonSnapshot> {
    return this.exclusive(async () => {
      if (await this.tryConnect()) return this.snap;
      await this.spawnAndWait();
      return this.snap;
    });
  }

  /** Asks the daemon to shut down over its socket, then makes sure its process is gone. */
  stop(): Promise<void> {
    return this.exclusive(() => this.stopNow());
  }

  restart(): Promise<DaemonSnapshot> {
    return this.exclusive(async () => {
      await this.tryConnect();
      await this.stopNow();
      await this.spawnAndWait();
      return this.snap;
    });
  }

  /** Resolves with a client once a daemon is serving, starting one when needed. */
  async ensureRunning(): Promise<DaemonClient> {
    if (this.snap.phase !== 'ready' && this.snap.phase !== 'degraded') await this.start();
    return this.client();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private exclusive<T>(job: () => Promise<T>): Promise<T> {
    const next = this.busy.then(job, job);
    this.busy = next.catch(() => undefined);
    return next;
  }

  private set(next: DaemonSnapshot): void {
    const before = this.snap;
    this.snap = next;
    if (
      before.phase !== next.phase ||
      before.state?.pid !== next.state?.pid ||
      before.error !== next.error ||
      JSON.stringify(before.health?.tiers) !== JSON.stringify(next.health?.tiers) ||
      before.health?.status !== next.health?.status
    ) {
      for (const listener of this.listeners) listener(next);
    }
  }

  private readState(): DaemonState | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.options.paths.stateFile, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = DaemonStateSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined; // half-written or corrupt: treat as absent
    }
  }

  /** Reads the state file and health-checks the daemon it names; updates the snapshot. */
  private async probe(): Promise<{ state: DaemonState; health: HealthResponse } | undefined> {
    const state = this.readState();
    if (!state || !isAlive(state.pid)) return undefined;
    try {
      const health = await new DaemonClient(state.socketPath, { timeoutMs: 3_000 }).health();
      return { state, health };
    } catch {
      return undefined;
    }
  }

  private async tryConnect(): Promise<boolean> {
    const found = await this.probe();
    if (!found) return false;
    const spawnedByUs = this.snap.state?.pid === found.state.pid ? this.snap.spawnedByUs : false;
    if (this.snap.state?.pid !== found.state.pid) {
      this.options.log(`Connected to the daemon (pid ${found.state.pid}, v${found.state.version}) on ${found.state.socketPath}.`);
    }
    this.set({ phase: phaseOf(found.health), state: found.state, health: found.health, spawnedByUs });
    return true;
  }

  private async spawnAndWait(): Promise<void> {
    const { paths, log } = this.options;
    this.set({ phase: 'starting', spawnedByUs: true });
    let spec: LaunchSpec;
    try {
      spec = await this.options.launch();
    } catch (err) {
      this.set({ phase: 'stopped', spawnedByUs: false, error: message(err) });
      throw err;
    }
    fs.mkdirSync(path.dirname(paths.logFile), { recursive: true, mode: 0o700 });
    const fd = fs.openSync(paths.logFile, 'a', 0o600);
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let child;
    try {
      log(`Starting the daemon: ${[spec.command, ...spec.args].map(quote).join(' ')}`);
      child = spawn(spec.command, spec.args, {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: spec.env,
        cwd: paths.home,
      });
    } finally {
      fs.closeSync(fd);
    }
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    child.once('exit', (code, signal) => (exited = { code, signal }));
    child.unref();

    const deadline = Date.now() + (this.options.startTimeoutMs ?? 90_000);
    let failure: Error | undefined;
    void spawnError.then((err) => (failure = err));
    while (Date.now() < deadline) {
      if (failure) break;
      const found = await this.probe();
      if (found) {
        const spawnedByUs = found.state.pid === child.pid;
        log(
          spawnedByUs
            ? `Daemon started (pid ${found.state.pid}), serving on ${found.state.socketPath}.`
            : `Another window started a daemon first (pid ${found.state.pid}); using it.`,
        );
        this.set({ phase: phaseOf(found.health), state: found.state, health: found.health, spawnedByUs });
        return;
      }
      if (exited) {
        failure = new Error(
          `The daemon exited during start-up (${exited.signal ?? `exit code ${exited.code}`}). See "Switchboard: Show Daemon Log".`,
        );
        break;
      }
      await sleep(200);
    }
    failure ??= new Error(`The daemon did not answer within ${Math.round((this.options.startTimeoutMs ?? 90_000) / 1000)} s.`);
    if (!exited && child.pid) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    log(failure.message);
    this.set({ phase: 'stopped', spawnedByUs: false, error: failure.message });
    throw failure;
  }

  private async stopNow(): Promise<void> {
    const state = this.snap.state ?? this.readState();
    if (!state || !isAlive(state.pid)) {
      this.set({ phase: 'stopped', spawnedByUs: false });
      return;
    }
    this.set({ ...this.snap, phase: 'stopping' });
    this.options.log(`Stopping the daemon (pid ${state.pid}).`);
    try {
      await new DaemonClient(state.socketPath, { timeoutMs: 3_000 }).shutdown();
    } catch (err) {
      this.options.log(`Shutdown request failed (${message(err)}); sending SIGTERM.`);
      signal(state.pid, 'SIGTERM');
    }
    if (!(await waitForExit(state.pid, 10_000))) {
      this.options.log(`The daemon (pid ${state.pid}) did not exit in 10 s; sending SIGTERM.`);
      signal(state.pid, 'SIGTERM');
      if (!(await waitForExit(state.pid, 5_000))) {
        this.options.log(`Sending SIGKILL to pid ${state.pid}.`);
        signal(state.pid, 'SIGKILL');
        await waitForExit(state.pid, 2_000);
      }
    }
    this.options.log('Daemon stopped.');
    this.set({ phase: 'stopped', spawnedByUs: false });
  }

  private async tick(): Promise<void> {
    if (this.disposed || this.watching) return;
    const phase = this.snap.phase;
    if (phase === 'starting' || phase === 'stopping') return;
    this.watching = true;
    try {
      await this.exclusive(async () => {
        if (this.snap.phase === 'starting' || this.snap.phase === 'stopping') return;
        const wasConnected = this.snap.phase === 'ready' || this.snap.phase === 'degraded';
        const oldPid = this.snap.state?.pid;
        if (await this.tryConnect()) return;
        if (wasConnected) {
          const why = `The daemon (pid ${oldPid}) stopped answering.`;
          this.options.log(why);
          this.set({ phase: 'stopped', spawnedByUs: false, error: why });
        }
      });
    } finally {
      this.watching = false;
    }
  }
}

function phaseOf(health: HealthResponse): DaemonPhase {
  return health.status === 'ok' ? 'ready' : 'degraded';
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
