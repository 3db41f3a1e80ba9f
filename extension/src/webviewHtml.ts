/**
 * The HTML shell of every Switchboard webview: a strict CSP (`default-src 'none'`), one nonce'd script, and
 * resources only from the panel's bundle folder (its `localResourceRoots`).
 */
import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';

export interface WebviewShell {
  /** "Switchboard Playground" — the document title and the landmark's label. */
  title: string;
  /** Allow `data:` images (the dashboard's charts export through canvas data URLs). */
  dataImages?: boolean;
}

export function webviewHtml(webview: vscode.Webview, bundleRoot: vscode.Uri, joinPath: typeof vscode.Uri.joinPath, shell: WebviewShell): string {
  const nonce = randomBytes(18).toString('base64url');
  const script = webview.asWebviewUri(joinPath(bundleRoot, 'main.js'));
  const style = webview.asWebviewUri(joinPath(bundleRoot, 'main.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}${shell.dataImages ? ' data:' : ''}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${style}">
  <title>${shell.title}</title>
</head>
<body>
  <main id="app" aria-label="${shell.title}"></main>
  <script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
