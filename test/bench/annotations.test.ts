import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadMedia } from '../../bench/media/manifest.js';
import { readAnnotations } from '../../bench/shots/real-truth.js';

const truth = (sha256: string, split: string) => JSON.stringify({ package: 'p', inside: `/${sha256}.mkv`, sha256, split, cuts: [], gradual: [] });

test('the shipped annotations name each file once, so no held-out video is also a dev one', () => {
  const all = readAnnotations();
  assert.ok(all.length > 40);
  assert.equal(new Set(all.map((a) => a.truth.sha256)).size, all.length);
  assert.ok(all.some((a) => a.truth.split === 'dev') && all.some((a) => a.truth.split === 'heldout'));
});

test('one file annotated twice, in two splits, is refused', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'clipmill-truth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'a.json'), truth('aa', 'heldout'));
  writeFileSync(path.join(dir, 'b.json'), truth('bb', 'dev'));
  assert.deepEqual(readAnnotations(dir).map((a) => a.name), ['a', 'b']);
  writeFileSync(path.join(dir, 'c.json'), truth('aa', 'dev'));
  assert.throws(() => readAnnotations(dir), /c\.json and a\.json annotate the same file/);
});

test('a media manifest that lists the same bytes twice is refused', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'clipmill-media-'));
  const before = process.env.CLIPMILL_MEDIA_CACHE;
  process.env.CLIPMILL_MEDIA_CACHE = dir;
  t.after(() => {
    if (before === undefined) delete process.env.CLIPMILL_MEDIA_CACHE;
    else process.env.CLIPMILL_MEDIA_CACHE = before;
    rmSync(dir, { recursive: true, force: true });
  });
  const row = (kind: string, inside: string, sha: string) => [kind, 'pkg', '1', inside, `${dir}${inside}`, sha].join('\t');
  writeFileSync(path.join(dir, 'manifest.tsv'), [row('video', '/a.mkv', 'aa'), row('video', '/b.mkv', 'bb')].join('\n') + '\n');
  assert.equal(loadMedia().length, 2);
  writeFileSync(path.join(dir, 'manifest.tsv'), [row('video', '/a.mkv', 'aa'), row('late-dev-video', '/a.mkv', 'aa')].join('\n') + '\n');
  assert.throws(() => loadMedia(), /has the same bytes as pkg \/a\.mkv \(video\)/);
});
