// Packages the extension as a linux-x64 .vsix from a staging folder (out/vsix) that holds only what runs:
// dist/ (daemon, extension, webviews), schemas/, package.json, README/LICENSE, and node-llama-cpp with its own
// dependency tree (the daemon bundle has everything else inlined; node-llama-cpp stays external because of its
// native binaries), and the cache's word vectors converted once (40 MB instead of the 300 MB npm package the
// daemon converts them from elsewhere). Staging keeps the .vsix small whatever other dependencies the
// repository gains.
//   node scripts/packageExtension.mjs            (after npm run build)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = 'linux-x64';
const NATIVE = `@node-llama-cpp/${TARGET}`;

/** Directories (relative to root) of node-llama-cpp and everything it needs at run time on TARGET. */
function runtimeClosure() {
  const seen = new Set();
  const find = (name, fromDir) => {
    for (let d = fromDir; ; d = path.dirname(d)) {
      const p = path.join(d, 'node_modules', name);
      if (existsSync(path.join(p, 'package.json'))) return p;
      if (path.dirname(d) === d) return undefined;
    }
  };
  const visit = (dir) => {
    const rel = path.relative(root, dir);
    if (seen.has(rel)) return;
    seen.add(rel);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      if (name.startsWith('@node-llama-cpp/') && name !== NATIVE) continue; // other platforms and GPU builds
      const found = find(name, dir);
      if (found) visit(found);
      else if (pkg.dependencies?.[name]) throw new Error(`${name} (needed by ${pkg.name}) is not installed`);
    }
  };
  visit(path.join(root, 'node_modules/node-llama-cpp'));
  if (!seen.has(`node_modules/${NATIVE}`)) throw new Error(`${NATIVE} is not installed`);
  return [...seen];
}

/**
 * Converts the wink word vectors into the daemon's compact file beside the bundle, where the daemon looks for a
 * shipped copy (shippedWordVectorsFile in daemon/src/cache/embedders/wordVectors.ts). Runs the daemon's own
 * converter through tsx (a dev dependency, as packaging is).
 */
function shipWordVectors(daemonDir) {
  const code = `import { convertWinkVectors, winkPackageFile, writeWordVectors, WINK_FILE_NAME } from './daemon/src/cache/embedders/wordVectors.ts';
import { WINK_VOCABULARY } from './daemon/src/cache/embedders/wink.ts';
await writeWordVectors(process.argv[1] + '/' + WINK_FILE_NAME, await convertWinkVectors(winkPackageFile(), WINK_VOCABULARY));`;
  execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, daemonDir], { cwd: root, stdio: 'inherit' });
}

/** Builds out/vsix and runs vsce there. Returns the .vsix path. */
export function packageExtension({ out = path.join(root, 'dist', `switchboard-${TARGET}.vsix`) } = {}) {
  for (const f of ['dist/daemon/cli.js', 'dist/daemon/files.json', 'dist/extension/extension.js', 'dist/webview/playground/main.js', 'schemas/switchboard.schema.json']) {
    if (!existsSync(path.join(root, f))) throw new Error(`${f} is missing: run npm run build first`);
  }
  const stage = path.join(root, 'out', 'vsix');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const noMaps = (src) => !src.endsWith('.map');
  // The daemon: cli.js and the chunks it loads on first use, as listed by the build (not older builds' chunks).
  const daemonFiles = JSON.parse(readFileSync(path.join(root, 'dist/daemon/files.json'), 'utf8')).map((f) => `dist/daemon/${f}`);
  for (const rel of [...daemonFiles, 'dist/extension', 'dist/webview', 'schemas/switchboard.schema.json', '.vscodeignore', 'README.md', 'LICENSE']) {
    const src = path.join(root, rel);
    if (existsSync(src)) cpSync(src, path.join(stage, rel), { recursive: true, filter: noMaps });
  }
  shipWordVectors(path.join(stage, 'dist/daemon'));
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const nlc = pkg.dependencies['node-llama-cpp'];
  delete pkg.devDependencies;
  delete pkg.scripts;
  delete pkg.bin; // the CLI is the daemon bundle; the extension starts it by path
  delete pkg.allowScripts; // which install scripts this repository's npm installs run: nothing installs the .vsix with npm
  pkg.dependencies = { 'node-llama-cpp': nlc };
  writeFileSync(path.join(stage, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');

  const skip = /(^|\/)(test|tests|__tests__|\.github)(\/|$)|\.(map|md|ts|tsbuildinfo)$|node-llama-cpp\/llama\/(gitRelease\.bundle|llama\.cpp)/;
  for (const rel of runtimeClosure()) {
    cpSync(path.join(root, rel), path.join(stage, rel), {
      recursive: true,
      filter: (src) => {
        const r = path.relative(root, src);
        // nested node_modules are copied as packages of their own (they are in the closure when needed)
        if (r !== rel && r.startsWith(`${rel}/node_modules`)) return false;
        return !skip.test(r);
      },
    });
  }
  execFileSync(
    path.join(root, 'node_modules/.bin/vsce'),
    ['package', '--target', TARGET, '--skip-license', '--allow-missing-repository', '--out', out],
    { cwd: stage, stdio: 'inherit' },
  );
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const started = Date.now();
  const out = packageExtension();
  console.log(`packaged ${path.relative(root, out)} in ${Date.now() - started} ms`);
}
