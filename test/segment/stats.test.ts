import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { medianOf, quantile, windowMedianMad } from '../../src/segment/stats.js';

describe('robust statistics', () => {
  it('takes the median of odd and even counts, in numeric order, leaving the input alone', () => {
    const values = [10, 9, 100, 2, 30];
    assert.equal(medianOf(values), 10);
    assert.deepEqual(values, [10, 9, 100, 2, 30], 'not sorted in place');
    assert.equal(medianOf(new Float64Array([4, -1, 8, 2])), 3);
    assert.ok(Number.isNaN(medianOf([])));
  });

  it('picks the value at rank floor(q * n), and 0 of nothing', () => {
    const values = Array.from({ length: 10 }, (_, i) => 10 * (10 - i)); // 100, 90, ..., 10
    assert.equal(quantile(values, 0), 10);
    assert.equal(quantile(values, 0.5), 60);
    assert.equal(quantile(values, 0.9), 100);
    assert.equal(quantile(values, 1), 100);
    assert.equal(values[0], 100, 'not sorted in place');
    assert.equal(quantile([], 0.5), 0);
  });

  it('gives the median and MAD of a window, skipping a gap and non-finite values', () => {
    const series = new Float32Array([1, 2, 50, 60, 3, NaN, 4]);
    assert.deepEqual(windowMedianMad(series, 0, 7, 2, 4), { median: 2.5, mad: 1 });
  });
});
