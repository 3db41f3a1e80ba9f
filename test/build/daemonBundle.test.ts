/**
 * The daemon bundle's shape, which its idle memory depends on (issue 8; bench/idleMemory.ts measures it):
 * split into chunks that load on first use, every file Latin-1 (V8 keeps each loaded script's source, twice as
 * large once one character is above U+00FF), and CommonJS packages imported with import() keep their names.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { BpeCounter, BpeRanks, shippedTableFile } from '../../daemon/src/limits/bpeCounter.js';
import { startFakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon } from '../helpers/daemon.js';
import { repoRoot } from '../helpers/paths.js';
import { chat, createKey } from '../limits/access.js';

const daemonDir = path.join(repoRoot, 'dist/daemon');

// The build scripts are plain .mjs (no types); a computed specifier keeps TypeScript from resolving them.
async function script<T>(name: string): Promise<T> {
  return (await import(pathToFileURL(path.join(repoRoot, 'scripts', name)).href)) as T;
}

/** cli.js and every chunk it imports statically: what a start reads and evaluates. */
function startupClosure(): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    const text = readFileSync(file, 'utf8');
    files.set(file, text);
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"(\.[^"]+)";|^import\s*"(\.[^"]+)";/gm)) visit(path.resolve(path.dirname(file), m[1] ?? m[2]!));
  };
  visit(path.join(daemonDir, 'cli.js'));
  return files;
}

describe('daemon bundle (dist/daemon, npm run build)', () => {
  before(function () {
    if (!existsSync(path.join(daemonDir, 'files.json'))) throw new Error('run npm run build first');
  });

  it('lists its files in files.json (what the .vsix ships), and every one is Latin-1', () => {
    const files = JSON.parse(readFileSync(path.join(daemonDir, 'files.json'), 'utf8')) as string[];
    assert.ok(files.includes('cli.js'));
    assert.ok(files.some((f) => f.startsWith('chunks/')), 'code splitting is on');
    for (const f of files.filter((name) => name.endsWith('.js'))) {
      const text = readFileSync(path.join(daemonDir, f), 'utf8');
      const wide = /[^\x00-\xff]/.exec(text);
      assert.equal(wide, null, `${f}: "${wide?.[0]}" at ${wide?.index} makes the whole file a two-byte string in V8`);
    }
  });

  it('start-up reads none of what is loaded on first use (SDKs, undici, the tokenizer, OpenTelemetry)', () => {
    const closure = startupClosure();
    const text = [...closure.values()].join('\n');
    for (const pkg of ['@anthropic-ai/sdk', 'undici', 'gpt-tokenizer', '@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-http']) {
      assert.equal(text.includes(`// node_modules/${pkg}/`), false, `${pkg} is bundled into the start-up files`);
    }
    // The guard itself works: the start-up files do carry the packages that are meant to load at start.
    assert.ok(text.includes('// node_modules/zod/'));
  });

  it('ships the BPE tables beside the bundle, where the daemon looks, and they count as gpt-tokenizer does', async () => {
    const files = JSON.parse(readFileSync(path.join(daemonDir, 'files.json'), 'utf8')) as string[];
    const text = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
      const file = shippedTableFile(encoding, daemonDir);
      assert.ok(files.includes(path.relative(daemonDir, file)), `${file} is listed`);
      const split = encoding === 'o200k_base' ? O200K_TOKEN_SPLIT_REGEX : CL100K_TOKEN_SPLIT_REGEX;
      const reference = encoding === 'o200k_base' ? o200k : cl100k;
      assert.equal(new BpeCounter(BpeRanks.parse(readFileSync(file)), split).count(text), reference(text));
    }
    // Where the bundled code resolves them: beside cli.js, whether the counter lands in cli.js or a chunk.
    const bundled = [...startupClosure()].find(([, code]) => code.includes('// daemon/src/limits/bpeCounter.ts'));
    assert.ok(bundled, 'the counter is in the start-up files');
    assert.ok(['dist/daemon', 'dist/daemon/chunks'].includes(path.relative(repoRoot, path.dirname(bundled[0]))));
  });

  it('counts prompt tokens from the shipped tables, and as exactly from the package when they are missing', async function () {
    this.timeout(60_000);
    // A copy of the bundle without its tables, inside the repository so that node_modules resolves from it.
    const bare = path.join(repoRoot, 'dist', `.daemon-without-tables-${process.pid}`);
    cpSync(daemonDir, bare, { recursive: true, filter: (src) => !src.startsWith(path.join(daemonDir, 'bpe')) });
    const upstream = await startFakeOpenAI();
    try {
      const content = 'How many tokens does this sentence hold, exactly? Ünïcödé, 漢字 and 123456 too. '.repeat(12);
      const remaining: string[] = [];
      for (const cli of [path.join(daemonDir, 'cli.js'), path.join(bare, 'cli.js')]) {
        const d = await spawnDaemon({ cli, env: { OPENAI_API_KEY: upstream.apiKey, OPENAI_BASE_URL: upstream.url }, configYaml: 'limits: { key: { tpm: 1000000 } }\n' });
        try {
          const key = await createKey(d, { user: 'bundle-test' });
          const r = await chat(d, key.secret, { model: 'gpt-4o-mini', max_tokens: 1, messages: [{ role: 'user', content }] });
          assert.equal(r.status, 200, r.text);
          remaining.push(r.headers.get('x-ratelimit-remaining-tokens') ?? '');
        } finally {
          await d.stop();
        }
      }
      // The reservation is the prompt's count plus max_tokens: the BPE's, not the estimate's (a third of the characters).
      const reserved = 1_000_000 - Number(remaining[0]);
      assert.equal(reserved, 1 + 7 + o200k(content), `remaining ${remaining.join(' / ')}`);
      assert.equal(remaining[1], remaining[0], 'the same count without the shipped tables');
    } finally {
      await upstream.close();
      rmSync(bare, { recursive: true, force: true });
    }
  });

  describe('build plugins', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'sb-bundle-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    async function splitBuild(plugins: Plugin[]): Promise<{ kind: string; hasDefault: boolean }> {
      const entry = path.join(dir, 'entry.mjs');
      writeFileSync(entry, "export const load = () => import('undici').then((u) => ({ kind: typeof u.Pool, hasDefault: typeof u.default === 'object' }));\n");
      const outdir = path.join(dir, `out${plugins.length}`);
      await build({ entryPoints: [entry], outdir, bundle: true, splitting: true, format: 'esm', platform: 'node', nodePaths: [path.join(repoRoot, 'node_modules')], plugins, logLevel: 'silent',
        banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" } });
      const { load } = (await import(pathToFileURL(path.join(outdir, 'entry.js')).href)) as { load: () => Promise<{ kind: string; hasDefault: boolean }> };
      return load();
    }

    it('cjsDynamicImports: a CommonJS package imported with import() keeps its named exports in a chunk', async function () {
      this.timeout(20_000);
      const { cjsDynamicImports } = await script<{ cjsDynamicImports: Plugin }>('cjsDynamicImports.mjs');
      assert.deepEqual(await splitBuild([cjsDynamicImports]), { kind: 'function', hasDefault: true });
      // What it fixes: without it, the chunk's namespace holds only `default`.
      assert.equal((await splitBuild([])).kind, 'undefined');
    });

    it('latin1Output: escapes what is above U+00FF in comments and regexes, and the code means the same', async () => {
      const { latin1Output } = await script<{ latin1Output: (file: string) => number }>('latin1Output.mjs');
      const file = path.join(dir, 'wide.mjs');
      const source = [
        '// an em dash — in a comment, and a café (Latin-1 stays)',
        "export const quote = /[’€]/g;",
        "export const escaped = /a\\’b/;",
        "export const emoji = /^[😀]$/u;",
        "export const text = 'keeps é';",
      ].join('\n');
      writeFileSync(file, source);
      assert.equal(latin1Output(file), 6, "one per UTF-16 unit: the emoji is two");
      const out = readFileSync(file, 'utf8');
      assert.equal(/[^\x00-\xff]/.test(out), false);
      assert.ok(out.includes('café') && out.includes("'keeps é'"));
      const m = (await import(pathToFileURL(file).href)) as { quote: RegExp; escaped: RegExp; emoji: RegExp };
      assert.deepEqual('it’s 5€'.match(m.quote), ['’', '€']);
      assert.ok(m.escaped.test('a’b'));
      assert.ok(m.emoji.test('😀'));
      assert.equal(m.emoji.test('\ud83d'), false);
    });
  });
});
