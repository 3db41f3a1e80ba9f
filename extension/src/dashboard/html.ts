/** The dashboard's HTML shell: strict CSP, one nonce'd script, resources only from the bundle folder. */
import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';

export function dashboardHtml(webview: vscode.Webview, bundleRoot: vscode.Uri, joinPath: typeof vscode.Uri.joinPath): string {
  const nonce = randomBytes(18).toString('base64url');
  const script = webview.asWebviewUri(joinPath(bundleRoot, 'main.js'));
  const style = webview.asWebviewUri(joinPath(bundleRoot, 'main.css'));
  const csp = ["default-src 'none'", `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `img-src ${webview.cspSource} data:`, `script-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${style}">
  <title>Switchboard Dashboard</title>
</head>
<body>
  <main id="app" aria-label="Switchboard Dashboard"></main>
  <script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
