// Bundles the VS Code extension (CommonJS for the extension host, `vscode` external) and the webview apps
// (browser IIFE + CSS). Called from scripts/build.mjs; also runs on its own: `node scripts/buildExtension.mjs`.
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The webview apps, one folder each under webview-ui/. */
const WEBVIEWS = ['playground', 'dashboard'];

/**
 * @param {{ minify?: boolean, logLevel?: import('esbuild').LogLevel }} [options]
 * @example await buildExtension({ minify: false })
 */
export async function buildExtension(options = {}) {
  const minify = options.minify ?? true;
  const logLevel = options.logLevel ?? 'warning';
  const outExt = path.join(root, 'dist', 'extension');
  await mkdir(outExt, { recursive: true });
  // The root package.json says "type": "module"; the extension host loads CommonJS.
  await writeFile(path.join(outExt, 'package.json'), '{ "type": "commonjs" }\n');

  await Promise.all([
    build({
      entryPoints: [path.join(root, 'extension/src/extension.ts')],
      outfile: path.join(outExt, 'extension.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      sourcemap: 'linked',
      minify,
      logLevel,
    }),
    ...WEBVIEWS.map((name) =>
      build({
        entryPoints: [path.join(root, 'webview-ui', name, 'main.ts')],
        outdir: path.join(root, 'dist', 'webview', name),
        entryNames: 'main',
        bundle: true,
        platform: 'browser',
        format: 'iife',
        target: 'chrome120',
        sourcemap: 'linked',
        minify,
        logLevel,
      }),
    ),
  ]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const started = Date.now();
  await buildExtension({ minify: !process.argv.includes('--no-minify') });
  console.log(`extension + webviews built in ${Date.now() - started} ms`);
}
