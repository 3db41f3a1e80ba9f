/** The correctness guard and the vector index, on real word vectors (no model of ours is mocked). */
import assert from 'node:assert/strict';
import { WinkEmbedder } from '../../daemon/src/cache/embedders/wink.js';
import { CACHE_DEFAULTS } from '../../daemon/src/cache/configSchema.js';
import { guardPair } from '../../daemon/src/cache/guard.js';
import { VectorIndex } from '../../daemon/src/cache/vectorIndex.js';
import { ADVERSARIAL_PAIRS } from './adversarialPairs.js';
import { wordVectorFile } from './helpers.js';

describe('cache guard', function () {
  this.timeout(30_000);
  let embedder: WinkEmbedder;
  before(async () => {
    embedder = new WinkEmbedder({ file: wordVectorFile });
    await embedder.ready();
  });
  const opts = () => ({ minOverlap: CACHE_DEFAULTS.guardMinOverlap, rareRank: CACHE_DEFAULTS.guardRareRank, rank: (w: string) => embedder.rank(w) });

  for (const p of ADVERSARIAL_PAIRS) {
    it(`rejects ${p.kind}: "${p.a}" / "${p.b}"`, () => {
      const v = guardPair(p.a, p.b, opts());
      assert.equal(v.ok, false, 'served a wrong answer');
      const w = guardPair(p.b, p.a, opts());
      assert.equal(w.ok, false, 'the guard must be symmetric');
    });
  }

  it('explains each rejection', () => {
    const reason = (a: string, b: string) => {
      const v = guardPair(a, b, opts());
      assert.ok(!v.ok);
      return v.reason;
    };
    assert.equal(reason('How do I turn on wifi?', 'How do I turn off wifi?'), 'polarity differs: "on" vs "off"');
    assert.match(reason('What is 15% of 80?', 'What is 20% of 80?'), /^numbers differ: \{15\} vs \{20\}$/);
    assert.match(reason('Why does my code compile?', "Why doesn't my code compile?"), /^negation differs/);
    assert.match(reason('How do I convert AVI to MP4?', 'How do I convert MP4 to AVI?'), /^word order differs/);
    assert.match(reason('How do I install python on mac?', 'How do I install python on windows?'), /^named things differ: \{mac\} vs \{windows\}$/);
  });

  it('lets true paraphrases through', () => {
    for (const [a, b] of [
      ['How do I learn Python quickly?', 'How can I learn Python quickly'],
      ['What is the best way to lose weight?', 'What is the best way to lose weight fast?'],
      ['Which is the best digital marketing course?', 'Which is best digital marketing course?'],
      ["What's the capital of France?", 'What is the capital of France?'],
    ] as const) {
      const v = guardPair(a, b, opts());
      assert.ok(v.ok, `${a} / ${b}: ${v.ok ? '' : v.reason}`);
    }
  });

  it('word vectors: paraphrases are close, unrelated questions are not', () => {
    const cos = (a: string, b: string) => {
      const x = embedder.embedSync(a)!;
      const y = embedder.embedSync(b)!;
      return x.reduce((s, v, i) => s + v * y[i]!, 0);
    };
    assert.ok(cos('How do I learn Python quickly?', 'How can I learn Python fast?') > 0.9);
    assert.ok(cos('How do I learn Python quickly?', 'What is the capital of France?') < 0.6);
    assert.equal(embedder.embedSync('the of and'), undefined, 'only stop words: nothing to embed');
  });
});

describe('vector index', () => {
  /** A repeatable uniform generator on [-0.5, 0.5) (a linear congruential one, seeded per test). */
  const seeded = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const unit = (v: Float32Array) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };

  it('finds the same best neighbour as a brute-force scan (SimHash prefilter recall)', () => {
    const rand = seeded(7);
    const dims = 100;
    const index = new VectorIndex(dims);
    const all: Float32Array[] = [];
    for (let i = 0; i < 5000; i++) {
      const v = unit(Float32Array.from({ length: dims }, rand));
      all.push(v);
      index.add(String(i), v);
    }
    let agree = 0;
    for (let q = 0; q < 200; q++) {
      // A query near a stored vector (what a cache looks for: cosine ≥ 0.9).
      const base = all[q * 20]!;
      const query = unit(base.map((x) => x + rand() * 0.03));
      let best = -1;
      let bestScore = -2;
      all.forEach((v, i) => {
        const s = v.reduce((acc, x, j) => acc + x * query[j]!, 0);
        if (s > bestScore) [best, bestScore] = [i, s];
      });
      const got = index.query(query, 1)[0]!;
      if (got.id === String(best)) agree++;
      assert.ok(Math.abs(got.score - bestScore) < 1e-4 || got.id !== String(best));
    }
    assert.ok(agree >= 198, `top-1 agreed ${agree}/200`);
  });

  it('with a threshold: never misses a neighbour at the threshold, and answers nothing when none is near', () => {
    const rand = seeded(11);
    const dims = 100;
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((acc, x, j) => acc + x * b[j]!, 0);
    for (const threshold of [0.98, 0.9]) {
      const index = new VectorIndex(dims);
      // More rows than the rerank count, so the SimHash prefilter (and its bound) is what decides.
      for (let i = 0; i < 200; i++) index.add(`noise${i}`, unit(Float32Array.from({ length: dims }, rand)));
      let found = 0;
      const tries = 1000;
      for (let t = 0; t < tries; t++) {
        // v at cosine exactly `threshold` from u: the hardest case for the bound.
        const u = unit(Float32Array.from({ length: dims }, rand));
        const r = Float32Array.from({ length: dims }, rand);
        const w = unit(r.map((x, j) => x - dot(r, u) * u[j]!));
        const v = unit(u.map((x, j) => threshold * x + Math.sqrt(1 - threshold * threshold) * w[j]!));
        index.add('target', v);
        if (index.query(u, 1, threshold - 1e-3)[0]?.id === 'target') found++;
        index.remove('target');
      }
      assert.equal(found, tries, `threshold ${threshold}: found ${found}/${tries}`);
      // Random queries are nowhere near 0.9 of 200 random vectors in 100 dimensions.
      for (let t = 0; t < 50; t++) assert.deepEqual(index.query(unit(Float32Array.from({ length: dims }, rand)), 3, threshold), []);
    }
  });

  it('removes entries and keeps answering correctly', () => {
    const index = new VectorIndex(3, 2);
    index.add('a', Float32Array.from([1, 0, 0]));
    index.add('b', Float32Array.from([0, 1, 0]));
    index.add('c', Float32Array.from([0, 0, 1]));
    assert.equal(index.query(Float32Array.from([0, 1, 0]))[0]?.id, 'b');
    assert.ok(index.remove('b'));
    assert.equal(index.size, 2);
    assert.notEqual(index.query(Float32Array.from([0, 1, 0]))[0]?.id, 'b');
    assert.equal(index.query(Float32Array.from([0, 0, 1]))[0]?.id, 'c');
    assert.throws(() => index.add('d', Float32Array.from([1, 0])), /dimensions/);
  });

  it('large indexes keep their codes in kernels of their own: two of the same shape, grown and shrunk, stay apart', () => {
    const rand = seeded(5);
    const dims = 100;
    // Past 1,024 rows an index scans its codes in place; both cross that, interleaved, through two growths.
    const a = new VectorIndex(dims);
    const b = new VectorIndex(dims);
    const va: Float32Array[] = [];
    const vb: Float32Array[] = [];
    for (let i = 0; i < 2500; i++) {
      va.push(unit(Float32Array.from({ length: dims }, rand)));
      vb.push(unit(Float32Array.from({ length: dims }, rand)));
      a.add(`a${i}`, va[i]!);
      b.add(`b${i}`, vb[i]!);
    }
    for (let i = 0; i < 2500; i += 3) assert.ok(a.remove(`a${i}`));
    for (let i = 0; i < 2500; i += 7) {
      const gotA = a.query(va[i]!, 1, 0.98)[0]?.id;
      assert.equal(gotA, i % 3 === 0 ? undefined : `a${i}`, `a, row ${i}`);
      assert.equal(b.query(vb[i]!, 1, 0.98)[0]?.id, `b${i}`, `b, row ${i}`);
    }
    // And a removed row's place, refilled, answers for the new vector.
    a.add('again', va[0]!);
    assert.equal(a.query(va[0]!, 1, 0.98)[0]?.id, 'again');
  });

  it('a large index rescores in its kernels: exact cosines and stored vectors survive growths, with padded dimensions', () => {
    // Not `seeded`: its period is short enough to repeat rows of 101 draws within a few hundred.
    let state = 9;
    const rand = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
    };
    // 101 dimensions: rows are padded to 104 floats, and each growth moves the vectors over a scan's scratch.
    const dims = 101;
    const index = new VectorIndex(dims);
    const all: Float32Array[] = [];
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((acc, v, j) => acc + v * y[j]!, 0);
    for (let i = 0; i < 5000; i++) {
      all.push(unit(Float32Array.from({ length: dims }, rand)));
      index.add(String(i), all[i]!);
      if (i % 97 !== 0 || i < 100) continue;
      // A query near an earlier row between growths: its scratch is what a growth must not leave in the padding.
      const target = all[i >> 1]!;
      const query = unit(target.map((x) => x + rand() * 0.02));
      const got = index.query(query, 3, 0.9);
      assert.equal(got[0]?.id, String(i >> 1), `after ${i + 1} rows`);
      for (const n of got) assert.ok(Math.abs(n.score - dot(all[Number(n.id)]!, query)) < 1e-5, `score of row ${n.id}`);
    }
    for (const i of [0, 1023, 1024, 2047, 4999]) assert.deepEqual(index.vectorOf(String(i)), all[i]);
  });
});
