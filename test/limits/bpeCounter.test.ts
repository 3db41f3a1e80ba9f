/**
 * The daemon's BPE counter (limits/bpeCounter.ts) against gpt-tokenizer, whose ranks and split patterns it
 * uses: the same count for every kind of text, both encodings, pieces short (scanned) and long (heap-merged);
 * its table file read back exactly, and a damaged one refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import o200kRanks from 'gpt-tokenizer/bpeRanks/o200k_base';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { BpeCounter, BpeRanks, convertRanks, loadCounter, type EncodingName } from '../../daemon/src/limits/bpeCounter.js';
import { repoRoot } from '../helpers/paths.js';

const BOM = '\ufeff';
const NO_SPECIALS = { disallowedSpecial: new Set<string>() };
const reference: Record<EncodingName, (t: string) => number> = {
  o200k_base: (t) => o200k(t, NO_SPECIALS),
  cl100k_base: (t) => cl100k(t, NO_SPECIALS),
};

function random(seed: number): () => number {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
}

/** Prose, code, JSON, special-token look-alikes, every script, emoji, lone surrogates, and long runs of each. */
function corpus(): string[] {
  const r = random(7);
  const files = ['README.md', 'package-lock.json', 'daemon/src/limits/bpeCounter.ts'].map((f) => readFileSync(path.join(repoRoot, f), 'utf8'));
  const fixed = ['', ' ', '<|endoftext|> and <|im_start|>user<|im_sep|>', '\ud800abc', 'x\udc00y', '\udc00\ud800', '😀😀 emoji 👩‍👩‍👧 🇫🇷', '漢字テスト한국어', 'ﬃ', 'e\u0301\u0300', 'ÀÉÎõü', 'Здравствуйте мир', 'مرحبا بالعالم', 'नमस्ते दुनिया', '\u0000\u0001\u007f', "don't WON'T it'S", '  \n\n\t\r\n  x'];
  // Random code points from every plane (surrogate halves included, alone).
  const points = Array.from({ length: 150 }, () => Array.from({ length: 200 }, () => String.fromCodePoint(r() < 0.4 ? Math.floor(r() * 0x80) : r() < 0.7 ? Math.floor(r() * 0x3000) : Math.floor(r() * 0x10ffff))).join(''));
  // Long pieces: runs that are one piece of hundreds of bytes (the heap merge), of letters, CJK, digits, marks.
  const units = ['a', 'ab', 'xyz', 'é', '漢', '字ひ', 'Я', '\u0301', '1', '.', '!?', '€', 'ß', '😀', 'q\u0301'];
  const runs = Array.from({ length: 60 }, () => {
    const unit = units[Math.floor(r() * units.length)]!;
    return Array.from({ length: 20 + Math.floor(r() * 600) }, () => (r() < 0.9 ? unit : units[Math.floor(r() * units.length)]!)).join('');
  });
  return [...files, ...fixed, ...points, ...runs];
}

describe('limits/BPE counter (off-heap ranks)', function () {
  this.timeout(60_000);
  const counters = new Map<EncodingName, BpeCounter>();
  before(async () => {
    for (const encoding of ['o200k_base', 'cl100k_base'] as const) counters.set(encoding, await loadCounter(encoding));
  });

  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    it(`${encoding}: the same count as gpt-tokenizer on prose, code, JSON, every script and long runs`, () => {
      const counter = counters.get(encoding)!;
      for (const text of corpus()) assert.equal(counter.count(text), reference[encoding](text), `${JSON.stringify(text.slice(0, 60))}… (${text.length} characters)`);
    });
  }

  it('o200k_base: the same count for every 10th token of the vocabulary, alone and between words', () => {
    const counter = counters.get('o200k_base')!;
    const decoder = new TextDecoder();
    const ranks = o200kRanks as ReadonlyArray<string | number[]>;
    for (let rank = 0; rank < ranks.length; rank += 10) {
      const token = ranks[rank]!;
      const text = typeof token === 'string' ? token : decoder.decode(Uint8Array.from(token));
      if (text.includes(BOM)) continue; // below
      for (const t of [text, `x ${text} y`]) assert.equal(counter.count(t), reference.o200k_base(t), `token ${rank}: ${JSON.stringify(t)}`);
    }
  });

  it("counts a byte-order mark's tokens, which gpt-tokenizer cannot find", () => {
    // The vocabularies hold U+FEFF's bytes (EF BB BF) alone and followed by others as byte tokens; gpt-tokenizer
    // turns bytes into a string to look them up, and its TextDecoder drops a leading BOM, so it never finds them
    // and counts the bytes apart. Here, as in tiktoken, each is one token.
    for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
      const counter = counters.get(encoding)!;
      for (const text of [BOM, `${BOM}using`, `${BOM}namespace`]) {
        assert.equal(counter.count(text), 1, `${encoding}: ${JSON.stringify(text)}`);
        assert.ok(reference[encoding](text) > 1, 'gpt-tokenizer still counts it apart: this test can compare again');
      }
    }
  });

  it('counts a 200,000-character piece (one pasted run) without the quadratic merge', () => {
    const counter = counters.get('o200k_base')!;
    for (const unit of ['a', '漢', 'é']) {
      const started = performance.now();
      const n = counter.count(unit.repeat(200_000));
      const ms = performance.now() - started;
      // The reference takes minutes here; compare on a run it can count, then check the long one is in proportion.
      const per = reference.o200k_base(unit.repeat(4000)) / 4000;
      assert.ok(Math.abs(n / 200_000 - per) < per * 0.05, `${n} tokens for 200,000 × ${JSON.stringify(unit)}, ~${(per * 200_000).toFixed(0)} expected`);
      // Not a timing target: a scan merge takes minutes on this, the heap well under a second.
      assert.ok(ms < 20_000, `${ms.toFixed(0)} ms`);
    }
  });

  it('writes its table to a file and reads it back: the same bytes again, the same counts', async () => {
    const ranks = await convertRanks('cl100k_base');
    const file = ranks.serialize();
    const again = BpeRanks.parse(file);
    assert.deepEqual(again.serialize(), file);
    const split = /'s|\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+|\s+/gu;
    const text = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    assert.equal(new BpeCounter(again, split).count(text), new BpeCounter(ranks, split).count(text));
  });

  it('refuses a damaged table file with a message that says so', async () => {
    const file = (await convertRanks('cl100k_base')).serialize();
    const damaged: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /bad header/],
      ['another format', new TextEncoder().encode('SBWV1\n and more bytes'), /bad header/],
      ['cut short', file.subarray(0, file.length - 1), /bytes, \d+ expected/],
      ['one byte more', Uint8Array.from([...file.subarray(0, 64), 0]), /bytes, \d+ expected/],
    ];
    // A token offset running backwards.
    const backwards = file.slice();
    new DataView(backwards.buffer).setUint32(16 + 4 * 5, 0xffff, true);
    damaged.push(['offsets out of order', backwards, /ends before it starts/]);
    for (const [what, bytes, message] of damaged) assert.throws(() => BpeRanks.parse(bytes), (e: Error) => /^not a BPE table file: /.test(e.message) && message.test(e.message), what);
  });
});
