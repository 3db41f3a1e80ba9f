/**
 * Runs the mocha suites in test/e2e/host inside code-server's real extension host: the unpacked extension and
 * the test entry are loaded through the workbench URL payload (extensionDevelopmentPath, extensionTestsPath),
 * and the exit code comes back through window.codeAutomationExit.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext } from 'playwright-core';
import { killProcessesOfHome } from './lib/cleanup.js';
import { makeRunDirs, repoRoot, scenarioEnv, startCodeServer, type CodeServer, type RunDirs } from './lib/codeServer.js';
import { launchBrowser, recordConsole } from './lib/workbench.js';

const outDir = path.join(repoRoot, 'out/e2e/host');

describe('e2e: extension-host tests in code-server', function () {
  this.timeout(300_000);
  let dirs: RunDirs;
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;

  before(async function () {
    assert.ok(fs.existsSync(path.join(repoRoot, 'dist/extension/extension.js')), 'build first: npm run build');
    assert.ok(fs.existsSync(path.join(repoRoot, 'dist/daemon/cli.js')), 'build first: npm run build');
    await build({
      entryPoints: { index: path.join(repoRoot, 'test/e2e/host/index.ts'), suite: path.join(repoRoot, 'test/e2e/host/suite.ts') },
      outdir: outDir,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode', 'mocha'],
      sourcemap: 'inline',
      logLevel: 'warning',
    });
    fs.writeFileSync(path.join(outDir, 'package.json'), '{ "type": "commonjs" }\n');
  });

  after(async function () {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (dirs) await killProcessesOfHome(dirs.home);
    // Keep the run folder (logs, console, chromium profile) only when something failed.
    const passed = this.test?.parent?.tests.every((t) => t.state === 'passed');
    if (dirs && passed) fs.rmSync(dirs.root, { recursive: true, force: true });
  });

  it('passes every extension-host test', async function () {
    dirs = makeRunDirs('host');
    const report = path.join(dirs.root, 'mocha-report.txt');
    server = await startCodeServer(
      dirs,
      scenarioEnv(dirs, { SWITCHBOARD_E2E_REPORT: report, SWITCHBOARD_E2E_USER_DATA: dirs.userData }),
    );
    browser = await launchBrowser(path.join(dirs.root, 'chromium'));
    const page = browser.pages()[0] ?? (await browser.newPage());
    recordConsole(page, path.join(dirs.root, 'page-console.log'));
    let exit!: (code: number) => void;
    const exitCode = new Promise<number>((resolve) => (exit = resolve));
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server!.port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(repoRoot)],
      ['extensionTestsPath', remote(path.join(outDir, 'index.js'))],
    ];
    await page.goto(`${server.url}/?folder=${encodeURIComponent(dirs.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const code = await Promise.race([
      exitCode,
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error('the extension-host tests did not finish in 240 s')), 240_000)),
    ]);
    const text = fs.existsSync(report) ? fs.readFileSync(report, 'utf8') : '(no report written; see page-console.log)';
    console.log(text.replace(/^/gm, '    │ '));
    assert.equal(code, 0, `extension-host tests failed (exit code ${code}); logs in ${dirs.root}`);
  });
});
