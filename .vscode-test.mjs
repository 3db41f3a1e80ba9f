// For contributors with internet access: `npm run build && npm run test:vscode` downloads desktop VS Code
// through @vscode/test-electron and runs the extension-host suites (test/e2e/host) in it.
// Run it from a shell without OPENAI_API_KEY / ANTHROPIC_API_KEY set: the key tests expect none.
// CI cannot download VS Code; it runs the same suites in code-server instead (`npm run test:e2e`).
import { defineConfig } from '@vscode/test-cli';
import { build } from 'esbuild';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(root, 'out/e2e/host');
await build({
  entryPoints: { suite: path.join(root, 'test/e2e/host/suite.ts') },
  outdir: outDir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
writeFileSync(path.join(outDir, 'package.json'), '{ "type": "commonjs" }\n');

const run = mkdtempSync(path.join(tmpdir(), 'switchboard-vscode-test-'));
const workspace = path.join(run, 'workspace');
const userData = path.join(run, 'user-data');
mkdirSync(workspace, { recursive: true });

export default defineConfig({
  label: 'extension-host',
  files: 'out/e2e/host/suite.js',
  version: '1.100.3',
  workspaceFolder: workspace,
  launchArgs: ['--disable-extensions', '--user-data-dir', userData],
  env: {
    SWITCHBOARD_HOME: path.join(run, 'switchboard-home'),
    SWITCHBOARD_PORT: '0',
    SWITCHBOARD_LOCAL_MODEL: path.resolve(root, '../shared/models/llama-2-tiny-random.gguf'),
    SWITCHBOARD_E2E_USER_DATA: userData,
  },
  mocha: { ui: 'bdd', timeout: 120000 },
});
