/**
 * UI scenario: the packaged .vsix installed into a real VS Code (code-server) driven by Chromium. Runs
 * "Switchboard: Open Playground" from the palette, streams an answer from the local tiny model, checks the
 * provider/latency line, stops a long run, and saves a screenshot to test-artifacts/playground.png.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { killProcessesOfHome } from './lib/cleanup.js';
import {
  installExtension,
  makeRunDirs,
  repoRoot,
  scenarioEnv,
  startCodeServer,
  type CodeServer,
  type RunDirs,
} from './lib/codeServer.js';
import { launchBrowser, recordConsole, runCommand, waitForWorkbench } from './lib/workbench.js';

const vsix = path.join(repoRoot, 'dist/switchboard-linux-x64.vsix');
const artifacts = path.join(repoRoot, 'test-artifacts');

describe('e2e: playground in code-server (installed .vsix)', function () {
  this.timeout(240_000);
  this.bail(true);
  let dirs: RunDirs;
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let panel: FrameLocator;

  before(async function () {
    assert.ok(fs.existsSync(vsix), `${vsix} is missing: run "npm run package" first`);
    dirs = makeRunDirs('ui');
    fs.writeFileSync(path.join(dirs.workspace, 'notes.txt'), 'A workspace without switchboard.yaml: activation comes from the command.\n');
    await installExtension(vsix, dirs);
    server = await startCodeServer(dirs, scenarioEnv(dirs));
    browser = await launchBrowser(path.join(dirs.root, 'chromium'));
    page = browser.pages()[0] ?? (await browser.newPage());
    recordConsole(page, path.join(dirs.root, 'page-console.log'));
    await page.goto(`${server.url}/?folder=${encodeURIComponent(dirs.workspace)}`);
    await waitForWorkbench(page);
  });

  after(async function () {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (dirs) await killProcessesOfHome(dirs.home);
    // Keep the run folder (logs, console, chromium profile) only when something failed.
    const passed = this.test?.parent?.tests.every((t) => t.state === 'passed');
    if (dirs && passed) fs.rmSync(dirs.root, { recursive: true, force: true });
  });

  it('opens the playground from the command palette', async function () {
    await runCommand(page, 'Switchboard: Open Playground');
    panel = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await panel.locator('#send').waitFor({ timeout: 30_000 });
  });

  it('lists the daemon models and picks local/default', async function () {
    // The extension starts the bundled daemon on first use; the list arrives once it serves.
    await panel.locator('#model vscode-option[value="local/default"]').waitFor({ state: 'attached', timeout: 90_000 });
    await panel.locator('#model').click();
    // The open dropdown lives in the select's shadow root (Playwright's CSS pierces it).
    await panel.locator('#model ul.options li', { hasText: /^\s*local\/default\s*$/ }).first().click();
    const value = await panel.locator('#model').evaluate((el) => (el as HTMLElement & { value: string }).value);
    assert.equal(value, 'local/default');
  });

  it('streams an answer from the local tier and fills the provider/latency line', async function () {
    await panel.locator('#max-tokens input').fill('48');
    await panel.locator('#system textarea').fill('You are a terse assistant.');
    await panel.locator('#user textarea').fill('Say hello to Switchboard.');
    await panel.locator('#send').click();
    await panel.locator('#meta[data-done="true"]').waitFor({ timeout: 120_000 });
    const output = (await panel.locator('#output').textContent()) ?? '';
    const meta = (await panel.locator('#meta').textContent()) ?? '';
    const error = (await panel.locator('#error').textContent()) ?? '';
    assert.equal(error, '', `the panel shows an error: ${error}`);
    assert.ok(output.trim().length > 0, 'no streamed text in the panel');
    assert.match(meta, /^served by local · (local\/)?default/, `provider/model missing in "${meta}"`);
    assert.match(meta, /first token \d+ ms/, `time to first token missing in "${meta}"`);
    assert.match(meta, /total \d+ ms/, `total time missing in "${meta}"`);
    assert.match(meta, /tokens \d+ in \/ \d+ out \/ \d+ total/, `token counts missing in "${meta}"`);
    fs.mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'playground.png') });
    console.log(`      streamed ${output.length} chars; ${meta}`);
  });

  it('Stop aborts a long generation and the daemon keeps serving', async function () {
    await panel.locator('#max-tokens input').fill('4000');
    await panel.locator('#user textarea').fill('Write a very long story.');
    await panel.locator('#send').click();
    await panel.locator('#output').filter({ hasText: /\S/ }).waitFor({ timeout: 60_000 });
    await panel.locator('#stop').click();
    const meta = panel.locator('#meta');
    await meta.filter({ hasText: 'stopped' }).waitFor({ timeout: 30_000 });
    const text = (await meta.textContent()) ?? '';
    assert.match(text, /stopped/);
    // The daemon noticed the closed connection: the next run works straight away.
    await panel.locator('#max-tokens input').fill('8');
    await panel.locator('#send').click();
    await meta.filter({ hasText: /finish: / }).waitFor({ timeout: 60_000 });
  });

  it('shows the daemon state in the status bar', async function () {
    const item = page.locator('.statusbar-item', { hasText: 'Switchboard' }).first();
    await item.waitFor({ timeout: 10_000 });
    const text = (await item.textContent()) ?? '';
    assert.match(text, /Switchboard: .*local/, `status bar says "${text}"`);
  });

  it('clicking the status bar item offers the daemon commands', async function () {
    await page.locator('.statusbar-item', { hasText: 'Switchboard' }).first().click();
    const rows = page.locator('.quick-input-list .monaco-list-row');
    await rows.filter({ hasText: 'Restart Daemon' }).first().waitFor({ timeout: 10_000 });
    const labels = await rows.allTextContents();
    for (const label of ['Stop Daemon', 'Show Daemon Log', 'Set Provider API Key', 'Open Playground']) {
      assert.ok(labels.some((l) => l.includes(label)), `"${label}" missing from ${JSON.stringify(labels)}`);
    }
    await page.keyboard.press('Escape');
  });

  it('"Show Daemon Log" shows the daemon output in the Switchboard output channel', async function () {
    await runCommand(page, 'Switchboard: Show Daemon Log');
    // Monaco renders only the visible lines and the channel scrolls to its end: any daemon log line will do.
    await page.locator('.part.panel .view-lines', { hasText: /"level":"info"|Starting the daemon|listening/ }).first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(artifacts, 'daemon-log.png') });
  });
});
