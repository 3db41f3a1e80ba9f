// `npm start`: install when needed, build when sources changed, then run the daemon in the foreground on
// embedded defaults (settings from the environment; see the README).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [path.join(root, 'scripts/ensureInstalled.mjs')], { stdio: 'inherit' });
execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--if-needed'], { stdio: 'inherit' });

const env = { ...process.env };
// In a development checkout the project's tiny test model sits beside the repository: use it as the local
// tier when nothing else is configured, so the first run can answer without any key.
const devModel = path.resolve(root, '../shared/models/llama-2-tiny-random.gguf');
if (!env.SWITCHBOARD_LOCAL_MODEL && existsSync(devModel)) {
  env.SWITCHBOARD_LOCAL_MODEL = devModel;
  console.error(`switchboard: local tier uses the development model ${devModel} (set SWITCHBOARD_LOCAL_MODEL to change it)`);
}
const child = spawn(process.execPath, [path.join(root, 'dist/daemon/cli.js'), 'serve', ...process.argv.slice(2)], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
