// Bundles the daemon (and, when present, the extension and its webviews) with esbuild.
//   node scripts/build.mjs               build everything
//   node scripts/build.mjs --if-needed   skip when dist/ is newer than every source file (npm start)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cjsDynamicImports } from './cjsDynamicImports.mjs';
import { latin1Output } from './latin1Output.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const daemonOut = path.join(root, 'dist/daemon/cli.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

if (process.argv.includes('--if-needed') && existsSync(daemonOut)) {
  const sources = Math.max(newestMtime(path.join(root, 'daemon/src')), statSync(path.join(root, 'package.json')).mtimeMs);
  if (statSync(daemonOut).mtimeMs >= sources) process.exit(0);
}

const started = Date.now();
const daemonDir = path.dirname(daemonOut);
const daemonBuild = await build({
  entryPoints: [path.join(root, 'daemon/src/cli.ts')],
  // Code splitting: what the daemon loads with `await import()` (undici, the tokenizer's BPE tables, the
  // Anthropic SDK, OpenTelemetry…) goes to chunks/ and is read only when first used. An idle daemon then
  // neither holds their source text in memory (V8 keeps every loaded script's source) nor evaluates them.
  outdir: daemonDir,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  plugins: [cjsDynamicImports],
  metafile: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  // Native binaries and platform packages: loaded from node_modules at run time. gpt-tokenizer's rank lists
  // (4.6 MB of source) too: the daemon reads the compact tables the build writes beside the bundle
  // (limits/bpeCounter.ts) and imports the lists only to convert them where those are missing, as when run from
  // source; a bundle without its tables (and without node_modules, as in the .vsix) counts with the estimate.
  external: ['node-llama-cpp', 'gpt-tokenizer/bpeRanks/*'],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __sbCreateRequire } from 'node:module'; const require = __sbCreateRequire(import.meta.url);" },
  define: { __SWITCHBOARD_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
const daemonFiles = Object.keys(daemonBuild.metafile.outputs)
  .filter((f) => f.endsWith('.js'))
  .map((f) => path.relative(daemonDir, path.resolve(root, f)));
for (const f of daemonFiles) latin1Output(path.join(daemonDir, f));
// The OpenAI BPE tables as compact files beside the bundle (daemon/src/limits/bpeCounter.ts): the daemon reads
// them instead of loading gpt-tokenizer's rank source, whose 200,000 strings would stay on its heap. Runs the
// daemon's own converter through tsx (a dev dependency, as building is).
execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', "import { writeTables } from './daemon/src/limits/bpeCounter.ts'; await writeTables(process.argv[1]);", daemonDir], { cwd: root, stdio: 'inherit' });
daemonFiles.push('bpe/o200k_base.bin', 'bpe/cl100k_base.bin');
// What the .vsix ships (scripts/packageExtension.mjs): this build's files, not chunks left by earlier ones.
writeFileSync(path.join(daemonDir, 'files.json'), JSON.stringify(daemonFiles, null, 2) + '\n');
pruneChunks(new Set(daemonFiles));

/**
 * Removes chunks earlier builds left, once they are a day old: a daemon started from an earlier build (a test
 * run, the editor's) may still import its own chunks by name, so they are not removed at once.
 */
function pruneChunks(current) {
  const dir = path.join(daemonDir, 'chunks');
  if (!existsSync(dir)) return;
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (!current.has(`chunks/${name.replace(/\.map$/, '')}`) && statSync(file).mtimeMs < dayAgo) rmSync(file, { force: true });
  }
}

// The JSON Schema of switchboard.yaml, for the editor (yamlValidation) — generated from the zod schema.
mkdirSync(path.join(root, 'schemas'), { recursive: true });
const schema = execFileSync(process.execPath, [daemonOut, 'schema'], { encoding: 'utf8' });
writeFileSync(path.join(root, 'schemas/switchboard.schema.json'), schema);

const extensionBuild = path.join(root, 'scripts/buildExtension.mjs');
if (existsSync(extensionBuild)) {
  const { buildExtension } = await import(pathToFileURL(extensionBuild).href);
  await buildExtension();
}
console.error(`build: done in ${Date.now() - started} ms`);
