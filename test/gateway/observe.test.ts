import assert from 'node:assert/strict';
import { observe, type StreamObserver } from '../../daemon/src/gateway/pipeline.js';

/** A source that logs what happens to it: each event read, its close, and an optional failure after `failAt` events. */
function source(n: number, log: string[], failAt?: number): AsyncIterable<number> {
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (let i = 0; i < n; i++) {
          if (i === failAt) throw new Error(`source failed at ${i}`);
          log.push(`read ${i}`);
          yield i;
        }
      } finally {
        log.push('source closed');
      }
    },
  };
}

function recorder(name: string, log: string[]): StreamObserver<number> {
  return {
    event: (e) => log.push(`${name} saw ${e}`),
    end: (error) => log.push(`${name} ended${error === undefined ? '' : ` with ${(error as Error).message}`}`),
  };
}

describe('observe (stages watching a served stream)', () => {
  it('adds observers of an unread stream to the same pass: each event reaches every observer, inner first', async () => {
    const log: string[] = [];
    const inner = observe(source(2, log), recorder('inner', log));
    const outer = observe(inner, recorder('outer', log));
    assert.equal(outer, inner, 'the second observer joins the first layer instead of wrapping it');
    const got: number[] = [];
    for await (const e of outer) got.push(e);
    assert.deepEqual(got, [0, 1]);
    assert.deepEqual(log, ['read 0', 'inner saw 0', 'outer saw 0', 'read 1', 'inner saw 1', 'outer saw 1', 'source closed', 'inner ended', 'outer ended']);
  });

  it('wraps a stream that is already being read, so that the new observer only sees what comes after', async () => {
    const log: string[] = [];
    const first = observe(source(3, log), recorder('a', log));
    const it = first[Symbol.asyncIterator]();
    assert.equal((await it.next()).value, 0);
    const second = observe(first, recorder('b', log));
    assert.notEqual(second, first);
    const rest: number[] = [];
    for await (const e of second) rest.push(e);
    assert.deepEqual(rest, [1, 2]);
    assert.ok(!log.includes('b saw 0'));
    assert.deepEqual(log.slice(-3), ['source closed', 'a ended', 'b ended']);
  });

  it('ends every observer with the error when the source fails, and passes the error on', async () => {
    const log: string[] = [];
    const events = observe(observe(source(5, log, 1), recorder('inner', log)), recorder('outer', log));
    await assert.rejects(async () => {
      for await (const _ of events);
    }, /source failed at 1/);
    assert.deepEqual(log, ['read 0', 'inner saw 0', 'outer saw 0', 'source closed', 'inner ended with source failed at 1', 'outer ended with source failed at 1']);
    assert.deepEqual(await events[Symbol.asyncIterator]().next(), { done: true, value: undefined }, 'a failed stream stays ended');
  });

  it('closes the source and ends the observers once when the consumer stops early', async () => {
    const log: string[] = [];
    const events = observe(source(5, log), recorder('o', log));
    for await (const e of events) if (e === 1) break;
    assert.deepEqual(log, ['read 0', 'o saw 0', 'read 1', 'o saw 1', 'source closed', 'o ended']);
    await events[Symbol.asyncIterator]().return!();
    assert.equal(log.filter((l) => l === 'o ended').length, 1);
  });

  it('ends the observers of a stream that is abandoned before anything was read', async () => {
    const log: string[] = [];
    const events = observe(source(5, log), recorder('o', log));
    await events[Symbol.asyncIterator]().return!();
    assert.deepEqual(log, ['o ended']);
  });

  it('does not show an observer an event that arrives after the consumer stopped (a read that was pending)', async () => {
    const log: string[] = [];
    let deliver!: (r: IteratorResult<number>) => void;
    const slow: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>((r) => (deliver = r)),
        return: async () => ({ done: true as const, value: undefined }),
      }),
    };
    const it = observe(slow, recorder('o', log))[Symbol.asyncIterator]();
    const pending = it.next();
    await it.return!();
    deliver({ done: false, value: 7 });
    assert.deepEqual(await pending, { done: false, value: 7 });
    assert.deepEqual(log, ['o ended']);
  });

  it("fails the stream when an observer throws: the source is closed and every observer ends with that error", async () => {
    const log: string[] = [];
    const events = observe(
      observe(source(5, log), {
        event: (e) => {
          if (e === 1) throw new Error('observer broke');
        },
        end: (error) => log.push(`thrower ended with ${(error as Error).message}`),
      }),
      recorder('outer', log),
    );
    await assert.rejects(async () => {
      for await (const _ of events);
    }, /observer broke/);
    assert.ok(!log.includes('outer saw 1'), 'observers after the one that threw do not see the event');
    await new Promise((r) => setImmediate(r));
    assert.ok(log.includes('source closed'));
    assert.ok(log.includes('thrower ended with observer broke') && log.includes('outer ended with observer broke'));
  });

  it('still ends the later observers when an earlier one throws at the end, and reports the throw', async () => {
    const log: string[] = [];
    const events = observe(observe(source(1, log), { end: () => { throw new Error('end broke'); } }), recorder('outer', log));
    await assert.rejects(async () => {
      for await (const _ of events);
    }, /end broke/);
    assert.ok(log.includes('outer ended'));
  });
});
