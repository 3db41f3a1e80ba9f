/** How the extension starts the bundled daemon: which node, which arguments, which environment. */
import * as path from 'node:path';
import type { LaunchSpec } from './daemon/lifecycle.js';

export interface DaemonSettings {
  dataFolder: string;
  localModelPath?: string;
  port?: number;
  configFile?: string;
  /** A node executable; empty means the editor's own runtime (process.execPath with ELECTRON_RUN_AS_NODE). */
  nodePath?: string;
}

export interface LaunchInputs {
  extensionPath: string;
  settings: DaemonSettings;
  /** OPENAI_API_KEY / ANTHROPIC_API_KEY from SecretStorage. */
  keyEnv: Record<string, string>;
  baseEnv: NodeJS.ProcessEnv;
  execPath: string;
}

export function buildLaunchSpec(inputs: LaunchInputs): LaunchSpec {
  const { settings } = inputs;
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(inputs.baseEnv)) {
    // The editor's own plumbing means nothing to the daemon (and some of it would confuse a child node).
    if (name.startsWith('VSCODE_') || name.startsWith('ELECTRON_')) continue;
    env[name] = value;
  }
  env.SWITCHBOARD_HOME = settings.dataFolder;
  if (settings.localModelPath) env.SWITCHBOARD_LOCAL_MODEL = settings.localModelPath;
  if (settings.port !== undefined) env.SWITCHBOARD_PORT = String(settings.port);
  Object.assign(env, inputs.keyEnv);

  let command = settings.nodePath?.trim();
  if (!command) {
    // In desktop VS Code this is Electron, which runs as plain node with this variable; in code-server it is
    // node already and the variable is ignored.
    command = inputs.execPath;
    env.ELECTRON_RUN_AS_NODE = '1';
  }
  const args = [path.join(inputs.extensionPath, 'dist', 'daemon', 'cli.js'), 'serve'];
  if (settings.configFile) args.push('--config', settings.configFile);
  return { command, args, env };
}
