/**
 * The word → row lookup behind the default embedder (one string and two typed arrays instead of a Map of
 * 100,000 strings): it must answer exactly as a Map of the same words does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Vocabulary } from '../../daemon/src/cache/embedders/vocabulary.js';
import { WinkEmbedder } from '../../daemon/src/cache/embedders/wink.js';
import { readWordVectors, writeWordVectors } from '../../daemon/src/cache/embedders/wordVectors.js';
import { wordVectorFile } from './helpers.js';

/** A deterministic pseudo-random generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('cache: vocabulary (word → row)', function () {
  this.timeout(60_000);

  it('answers as a Map does for every word of the default vocabulary and for near misses', async () => {
    await new WinkEmbedder({ file: wordVectorFile }).ready();
    const vocab = (await readWordVectors(wordVectorFile)).index;
    const words = vocab.text().split('\n');
    assert.equal(vocab.size, 100_000);
    const map = new Map(words.map((w, i) => [w, i]));
    for (let i = 0; i < words.length; i++) assert.equal(vocab.get(words[i]!), i, words[i]);
    const rand = random(42);
    const pick = () => words[Math.floor(rand() * words.length)]!;
    const probes = ['', ' ', '\n', 'the\n', 'The', 'THE', 'zzzzqqq', 'naïve', 'größ', '您的', '🙂', 'a'.repeat(200)];
    for (let i = 0; i < 20_000; i++) {
      const w = pick();
      probes.push(w.slice(1), w.slice(0, -1), w + pick(), `${w} `, w.toUpperCase(), w.replace(/.$/, 'x'), `${w}\n${pick()}`);
    }
    for (const p of probes) assert.equal(vocab.get(p), map.get(p), JSON.stringify(p));
  });

  it('handles small and colliding vocabularies, keeps the first row of a repeated word, and refuses line breaks', () => {
    assert.equal(Vocabulary.of([]).size, 0);
    assert.equal(Vocabulary.of([]).get(''), undefined);
    assert.equal(Vocabulary.of([]).get('a'), undefined);
    const one = Vocabulary.of(['solo']);
    assert.deepEqual([one.size, one.get('solo'), one.get('sol'), one.get('solos')], [1, 0, undefined, undefined]);
    // Many short words in a small table: plenty of probe chains.
    const words = Array.from({ length: 5000 }, (_, i) => i.toString(36));
    const v = Vocabulary.of(words);
    words.forEach((w, i) => assert.equal(v.get(w), i));
    for (let i = 5000; i < 10_000; i++) assert.equal(v.get(i.toString(36)), undefined);
    assert.equal(Vocabulary.of(['a', 'b', 'a']).get('a'), 0);
    assert.throws(() => Vocabulary.of(['a\nb']), /line break/);
  });

  it('a vector file read and written again is the same file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-vocab-'));
    try {
      await new WinkEmbedder({ file: wordVectorFile }).ready();
      const copy = path.join(dir, 'copy.bin');
      await writeWordVectors(copy, await readWordVectors(wordVectorFile));
      assert.ok(readFileSync(copy).equals(readFileSync(wordVectorFile)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
