/** Content-mix balancing of the clips being added, with and without the hours the dataset already has. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { balanceMix } from '../../src/pack/mix.js';
import type { ClipRow } from '../../src/pack/rows.js';

const row = (id: string, category: string, sharpness: number): ClipRow =>
  ({ clip_id: id, category, duration: 3600, signals: { sharpness } }) as unknown as ClipRow;

const NEW = [row('a1', 'a', 4), row('a2', 'a', 3), row('a3', 'a', 2), row('a4', 'a', 1), row('b1', 'b', 1)];
const cfg = { targets: { a: 0.5, b: 0.5 }, balance: true, floor: 0 };

test('balancing alone thins the over-full category of the new clips, sharpest kept first', () => {
  assert.deepEqual([...balanceMix(NEW, cfg)].sort(), ['a2', 'a3', 'a4']);
});

test("balancing an append counts the dataset's hours: a category the dataset lacks is not thinned, one it has plenty of is", () => {
  assert.deepEqual([...balanceMix(NEW, cfg, { b: { hours: 3 } })], [], 'with 3 h of b already, 4 h of a meet the targets');
  assert.deepEqual([...balanceMix(NEW, cfg, { a: { hours: 4 } })].sort(), ['a1', 'a2', 'a3', 'a4'], 'with 4 h of a already, no new a is wanted');
  assert.deepEqual([...balanceMix(NEW, { ...cfg, floor: 0.5 }, { a: { hours: 4 } })].sort(), ['a3', 'a4'], 'the floor still keeps half of the new a');
});
