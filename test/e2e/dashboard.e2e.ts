/**
 * UI scenario: the packaged .vsix in a real VS Code (code-server) driven by Chromium. Runs "Switchboard: Open
 * Dashboard", drives a few requests through the daemon the extension started (its unix socket, local tier),
 * gives one a thumbs-down, and checks that the figures, charts, recent requests and one request's attempts
 * show real data. Saves test-artifacts/dashboard.png.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { killProcessesOfHome } from './lib/cleanup.js';
import { installExtension, makeRunDirs, repoRoot, scenarioEnv, startCodeServer, type CodeServer, type RunDirs } from './lib/codeServer.js';
import { launchBrowser, recordConsole, runCommand, waitForWorkbench } from './lib/workbench.js';

const vsix = path.join(repoRoot, 'dist/switchboard-linux-x64.vsix');
const artifacts = path.join(repoRoot, 'test-artifacts');

/** One call to the daemon over its unix socket (no key needed there). */
function socketCall(socketPath: string, method: string, urlPath: string, body?: unknown): Promise<{ status: number; id: string; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: urlPath, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, id: String(res.headers['x-request-id'] ?? ''), text }));
    });
    req.once('error', reject);
    req.end(payload);
  });
}

describe('e2e: dashboard in code-server (installed .vsix)', function () {
  this.timeout(240_000);
  this.bail(true);
  let dirs: RunDirs;
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let panel: FrameLocator;
  let socketPath: string;
  const ids: string[] = [];

  before(async function () {
    assert.ok(fs.existsSync(vsix), `${vsix} is missing: run "npm run package" first`);
    dirs = makeRunDirs('dashboard');
    await installExtension(vsix, dirs);
    server = await startCodeServer(dirs, scenarioEnv(dirs));
    browser = await launchBrowser(path.join(dirs.root, 'chromium'));
    page = browser.pages()[0] ?? (await browser.newPage());
    recordConsole(page, path.join(dirs.root, 'page-console.log'));
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(dirs.workspace)}`);
    await waitForWorkbench(page);
  });

  after(async function () {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (dirs) await killProcessesOfHome(dirs.home);
    const passed = this.test?.parent?.tests.every((t) => t.state === 'passed');
    if (dirs && passed) fs.rmSync(dirs.root, { recursive: true, force: true });
  });

  it('opens the dashboard from the command palette; it starts the daemon and shows the figures', async function () {
    await runCommand(page, 'Switchboard: Open Dashboard');
    panel = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await panel.locator('#app[data-loaded="true"]').waitFor({ timeout: 90_000 });
    const state = path.join(dirs.home, 'daemon.json');
    assert.ok(fs.existsSync(state), 'the extension started a daemon for this data folder');
    socketPath = (JSON.parse(fs.readFileSync(state, 'utf8')) as { socketPath: string }).socketPath;
  });

  it('shows requests driven through the daemon: figures, charts, routes and recent requests update live', async function () {
    for (let i = 0; i < 3; i++) {
      const r = await socketCall(socketPath, 'POST', '/v1/chat/completions', { model: 'local/default', max_tokens: 8, messages: [{ role: 'user', content: `hello ${i}` }] });
      assert.equal(r.status, 200, r.text);
      ids.push(r.id);
    }
    const bad = await socketCall(socketPath, 'POST', '/v1/chat/completions', { model: 'nope/unknown-model', messages: [{ role: 'user', content: 'x' }] });
    assert.ok(bad.status >= 400);
    const fb = await socketCall(socketPath, 'POST', '/switchboard/v1/feedback', { request_id: ids[0], score: -1 });
    assert.equal(fb.status, 200, fb.text);
    // The panel polls every 2 s: wait for the four requests to show.
    await panel.locator('[data-tile="requests"] .value', { hasText: /^4$/ }).waitFor({ timeout: 20_000 });
    assert.equal(await panel.locator('[data-tile="errors"] .value').textContent(), '25.0 %');
    assert.match((await panel.locator('[data-tile="p50"] .value').textContent()) ?? '', /\d+(\.\d)? ms/);
    assert.match((await panel.locator('[data-tile="satisfaction"] .value').textContent()) ?? '', /0\.0 % \(1\)/);
    assert.equal(await panel.locator('.chart canvas').count() >= 5, true, 'five uPlot charts');
    await panel.locator('#groups tr[data-kind="target"]', { hasText: 'local/default' }).waitFor();
    for (const id of ids) await panel.locator(`#recent tr[data-id="${id}"]`).waitFor();
  });

  it('shows one request\'s attempts in the detail view', async function () {
    await panel.locator(`#recent tr[data-id="${ids[0]}"]`).click();
    await panel.locator('#detail #attempts tbody tr').first().waitFor({ timeout: 10_000 });
    const attempt = (await panel.locator('#detail #attempts tbody tr').first().textContent()) ?? '';
    assert.match(attempt, /local\/default/);
    assert.match(attempt, /ok/);
    assert.match((await panel.locator('#detail').textContent()) ?? '', /-1 of ±1/);
    fs.mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'dashboard-detail.png') });
    await panel.locator('h1').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, 'dashboard.png') });
  });
});
