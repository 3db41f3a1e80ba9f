/** Drives the code-server workbench with playwright-core and Debian's Chromium. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export async function launchBrowser(profileDir: string): Promise<BrowserContext> {
  fs.mkdirSync(profileDir, { recursive: true });
  return chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.statusbar').waitFor({ timeout: 60_000 });
}

/** Runs a command from the palette. Contributions arrive a few seconds after the workbench paints: retry. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 1; attempt <= 25; attempt++) {
    try {
      await page.locator('.monaco-workbench').focus();
      await page.keyboard.press('F1');
      await input.waitFor({ timeout: 2_000 });
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      await row.waitFor({ timeout: 1_500 });
      await page.keyboard.press('Enter');
      return;
    } catch {
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
    }
  }
  throw new Error(`command "${title}" never appeared in the palette`);
}

/** Keeps the page's console (the extension host's console.* lands here) in a file next to the run. */
export function recordConsole(page: Page, file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  page.on('console', (msg) => fs.appendFileSync(file, `[${msg.type()}] ${msg.text()}\n`));
  page.on('pageerror', (err) => fs.appendFileSync(file, `[pageerror] ${err.message}\n`));
}
