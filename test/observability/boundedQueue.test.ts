import assert from 'node:assert/strict';
import { BoundedQueue } from '../../daemon/src/observability/boundedQueue.js';

describe('observability/boundedQueue', () => {
  it('keeps writing after a flush emptied the queue before the scheduled drain ran (regression)', async () => {
    const written: number[] = [];
    const q = new BoundedQueue<number>(100, async (batch) => {
      written.push(...batch);
    });
    q.push(1); // schedules a drain for the next turn …
    await q.flush(); // … which then finds the queue already empty
    await new Promise((r) => setImmediate(r));
    // The old code kept a settled "draining" promise from that empty drain: later pushes were never written,
    // and flush() spun on it forever (every log query hung). Only timers here, so a regression fails, not hangs.
    q.push(2);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(written, [1, 2]);
  });

  it('drops and counts when full, and writes a burst in few batches', async () => {
    const batches: number[][] = [];
    const q = new BoundedQueue<number>(5, async (batch) => {
      batches.push(batch);
    });
    for (let i = 0; i < 8; i++) q.push(i);
    assert.equal(q.dropped, 3);
    await q.flush();
    assert.deepEqual(batches, [[0, 1, 2, 3, 4]]);
  });
  it('with a delay, collects what arrives meanwhile into one batch; flush() writes at once', async () => {
    const batches: number[][] = [];
    const q = new BoundedQueue<number>(100, async (batch) => {
      batches.push(batch);
    }, () => {}, 40);
    q.push(1);
    await new Promise((r) => setTimeout(r, 10));
    q.push(2);
    await new Promise((r) => setImmediate(r));
    q.push(3);
    assert.deepEqual(batches, [], 'nothing written before the delay');
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(batches, [[1, 2, 3]]);
    q.push(4);
    await q.flush();
    assert.deepEqual(batches, [[1, 2, 3], [4]], 'flush() does not wait for the delay');
    q.push(5);
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(batches, [[1, 2, 3], [4], [5]], 'the timer left by the flushed batch does not lose later items');
  });

  it('with a delay, items pushed during a write wait for the next batch instead of a write each', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const q = new BoundedQueue<number>(100, async (batch) => {
      batches.push(batch);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
    }, () => {}, 20);
    q.push(1);
    await new Promise((r) => setTimeout(r, 30)); // the first write has started and blocks
    q.push(2);
    q.push(3);
    release();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(batches, [[1]], 'not written straight after the first write');
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(batches, [[1], [2, 3]]);
  });
});
