import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPool } from '../../src/executors/local.js';

async function* numbers(n: number, pulled: number[]): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    pulled.push(i);
    yield i;
  }
}

describe('runPool', () => {
  it('runs every item with at most `concurrency` at once', async () => {
    let active = 0;
    let peak = 0;
    const done: number[] = [];
    await runPool(numbers(20, []), 3, async (i) => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 2));
      done.push(i);
      active--;
    });
    assert.equal(peak, 3);
    assert.deepEqual(done.sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
  });

  it('aborts the other tasks when one throws, pulls nothing more, and rethrows the first error', async () => {
    const pulled: number[] = [];
    let sawAbort = false;
    const failure = new Error('disk full');
    await assert.rejects(
      runPool(numbers(100, pulled), 2, async (i, signal) => {
        if (i === 1) throw failure;
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        sawAbort = true;
      }),
      (err) => err === failure,
    );
    assert.ok(sawAbort, 'the running task was told to stop');
    assert.ok(pulled.length <= 3, `pulled ${pulled.length} items`);
  });
});
