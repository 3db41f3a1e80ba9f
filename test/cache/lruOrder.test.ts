/** The cache's use order against a plain array kept in the same order, over random uses, deletes and evictions. */
import assert from 'node:assert/strict';
import { LruOrder } from '../../daemon/src/cache/lruOrder.js';

function rng(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return (seed >>> 0) / 4294967296;
  };
}

describe('cache/lruOrder', () => {
  it('takes the least recently used ids, oldest first, through uses, deletes, evictions and rehashes', () => {
    const r = rng(7);
    const order = new LruOrder();
    let reference: string[] = [];
    let next = 0;
    for (let step = 0; step < 60_000; step++) {
      const x = r();
      if (x < 0.55 || reference.length === 0) {
        const id = `id-${next++}`;
        order.use(id);
        reference.push(id);
      } else if (x < 0.75) {
        const id = reference[Math.floor(r() * reference.length)]!;
        order.use(id);
        reference = reference.filter((i) => i !== id).concat(id);
      } else if (x < 0.85) {
        const id = reference[Math.floor(r() * reference.length)]!;
        order.delete(id);
        reference = reference.filter((i) => i !== id);
      } else {
        // Evict down to a bound, as the cache does after a put.
        const max = Math.floor(r() * reference.length);
        const taken = order.takeOldest(reference.length - max);
        assert.deepEqual(taken, reference.slice(0, reference.length - max), `step ${step}`);
        for (const id of taken) order.delete(id);
        reference = reference.slice(reference.length - max);
      }
      assert.equal(order.size, reference.length);
    }
  });

  it('keeps evicting after it was emptied and refilled (a finished cursor is replaced)', () => {
    const order = new LruOrder();
    for (const id of ['a', 'b']) order.use(id);
    const all = order.takeOldest(5);
    assert.deepEqual(all, ['a', 'b']);
    for (const id of all) order.delete(id);
    assert.deepEqual(order.takeOldest(1), []);
    for (const id of ['c', 'd', 'e']) order.use(id);
    order.use('c');
    assert.deepEqual(order.takeOldest(2), ['d', 'e']);
  });
});
