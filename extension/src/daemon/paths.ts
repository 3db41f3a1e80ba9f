/** Where a daemon for a given data folder keeps its state file, socket and log. */
import * as os from 'node:os';
import * as path from 'node:path';

/** The data folder: the setting if set, else $SWITCHBOARD_HOME, else ~/.switchboard. A leading ~ is expanded. */
export function resolveDataFolder(setting: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = setting?.trim() || env.SWITCHBOARD_HOME?.trim() || path.join(os.homedir(), '.switchboard');
  const expanded = raw === '~' || raw.startsWith('~/') ? path.join(os.homedir(), raw.slice(1)) : raw;
  return path.resolve(expanded);
}

export interface DaemonPaths {
  home: string;
  /** Written by the daemon once it serves, removed when it exits. */
  stateFile: string;
  /** The socket the daemon listens on by default (daemon.json's socketPath wins when present). */
  socket: string;
  /** stdout and stderr of a daemon this extension started. */
  logFile: string;
}

export function daemonPaths(home: string): DaemonPaths {
  return {
    home,
    stateFile: path.join(home, 'daemon.json'),
    socket: path.join(home, 'daemon.sock'),
    logFile: path.join(home, 'logs', 'daemon.log'),
  };
}
