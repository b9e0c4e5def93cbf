import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitByHash, type MediaEntry, type MediaKind } from '../../bench/media/manifest.js';

const entry = (kind: MediaKind, sha256: string): MediaEntry => ({ kind, package: 'p', version: '1', inside: `/${sha256}`, file: `/cache/${sha256}`, sha256 });
const names = (entries: MediaEntry[]) => entries.map((e) => e.sha256).sort();

test('files of the one-split kinds go to their split and move no other file', () => {
  const videos = ['0a', '3c', '5f', '9e', 'c1'].map((h) => entry('video', h));
  const fixed = [entry('dev-video', '00'), entry('dev-video', '7b'), entry('heldout-video', '01'), entry('heldout-video', 'ff')];
  for (const split of ['dev', 'heldout'] as const) {
    const before = names(splitByHash(videos, split));
    const after = splitByHash([...fixed, ...videos], split);
    assert.deepEqual(names(after.filter((e) => e.kind === 'video')), before);
    assert.deepEqual(names(after.filter((e) => e.kind !== 'video')), split === 'dev' ? ['00', '7b'] : ['01', 'ff']);
  }
  assert.deepEqual(names(splitByHash(videos, 'dev')), ['0a', '5f', 'c1']);
});
