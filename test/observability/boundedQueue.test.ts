import assert from 'node:assert/strict';
import { BoundedQueue } from '../../daemon/src/observability/boundedQueue.js';

describe('observability/boundedQueue', () => {
  it('keeps draining after a flush emptied the queue before the scheduled drain ran (regression: flush spun forever)', async () => {
    const written: number[] = [];
    const q = new BoundedQueue<number>(100, async (batch) => {
      await new Promise((r) => setTimeout(r, 1));
      written.push(...batch);
    });
    q.push(1); // schedules a drain for the next turn …
    await q.flush(); // … which finds the queue already empty
    await new Promise((r) => setImmediate(r));
    q.push(2);
    const flushed = await Promise.race([q.flush().then(() => 'flushed'), new Promise((r) => setTimeout(() => r('hung'), 1000))]);
    assert.equal(flushed, 'flushed');
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
});
