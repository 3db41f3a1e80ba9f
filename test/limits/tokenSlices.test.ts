/**
 * Counting long texts a slice at a time (limits/tokenCount.ts `inSlices`): the same count as the whole text
 * wherever a cut can keep every BPE piece whole, and linear time on the runs where BPE is quadratic.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { countPromptTokens, inSlices } from '../../daemon/src/limits/tokenCount.js';
import { repoRoot } from '../helpers/paths.js';

const NO_SPECIALS = { disallowedSpecial: new Set<string>() };
const encodings = { o200k: (t: string) => o200k(t, NO_SPECIALS), cl100k: (t: string) => cl100k(t, NO_SPECIALS) };

/** Texts of every kind the pieces care about: prose, code, several spaces and line breaks in a row, CJK, digits. */
function corpus(): string[] {
  let seed = 11;
  const r = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const parts = ['word', ' ', '  ', '   ', '\n', '\n\n', ' \n', '\t', 'Hello', "it's", '123456', '3.14', '漢字', 'テスト', '(x)', '{', '};', '—', 'é', '"', '\u00a0', '/', 'https://example.com/a?b=c', "'ll", ' '];
  const random = Array.from({ length: 30 }, () => Array.from({ length: 400 + Math.floor(r() * 600) }, () => parts[Math.floor(r() * parts.length)]).join(''));
  const files = ['README.md', 'daemon/src/limits/tokenCount.ts', 'daemon/src/routing/classifier.ts'].map((f) => readFileSync(path.join(repoRoot, f), 'utf8'));
  return [...files, ...random];
}

describe('limits/token counting in slices', () => {
  for (const [name, count] of Object.entries(encodings)) {
    it(`${name}: the same count as the whole text, cut every few hundred characters`, () => {
      for (const sliceChars of [300, 2048]) {
        for (const text of corpus()) assert.equal(inSlices(count, sliceChars)(text), count(text), `slices of ${sliceChars}: ${JSON.stringify(text.slice(0, 40))}…`);
      }
    });
  }

  it('counts pasted blobs in linear time (100,000 letters, spaces, CJK characters), close to the whole count', async function () {
    // gpt-tokenizer alone: 6.4 s for the letters, 50 s for the CJK characters (BPE is quadratic in a piece).
    this.timeout(10_000);
    const target = { provider: 'openai' as const, model: 'gpt-4o' };
    for (const unit of ['a', ' ', '漢']) {
      const blob = unit.repeat(100_000);
      const n = await countPromptTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: blob }] }] }, target, new Map());
      // About what 2,048 of them count, times 100,000 / 2,048 (plus the message overhead).
      const expected = (encodings.o200k(unit.repeat(2048)) * 100_000) / 2048;
      assert.ok(Math.abs(n - expected) < expected * 0.1 + 10, `${n} tokens for 100,000 × ${JSON.stringify(unit)}, ~${expected.toFixed(0)} expected`);
    }
    // Where the exact count is cheap enough to compare: a 6,000-letter run, cut into three.
    const run = 'b'.repeat(6000);
    const whole = encodings.o200k(run);
    assert.ok(Math.abs(inSlices(encodings.o200k)(run) - whole) <= 3, `${inSlices(encodings.o200k)(run)} vs ${whole}`);
  });
});
