import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { IdSet } from '../../src/sources/id-set.js';
import { canonicalUri, sourceId, sourceKind } from '../../src/sources/ids.js';

test('http URLs are normalised: case of scheme and host, default port, fragment, dot segments', () => {
  assert.equal(canonicalUri('HTTP://Example.COM:80/a/./b/../Video.mp4?x=1#t=3'), 'http://example.com/a/Video.mp4?x=1');
  assert.equal(canonicalUri('https://example.com:443/v.mp4'), 'https://example.com/v.mp4');
  assert.equal(canonicalUri('https://example.com:8443/v.mp4'), 'https://example.com:8443/v.mp4');
  assert.equal(canonicalUri('  https://example.com  '), 'https://example.com/');
});

test('local paths become absolute and normalised; file:// URLs become paths', () => {
  assert.equal(canonicalUri('clips/../a.mp4', '/data/set'), '/data/set/a.mp4');
  assert.equal(canonicalUri('/x//y/./z.mp4', '/ignored'), '/x/y/z.mp4');
  assert.equal(canonicalUri('file:///tmp/some%20dir/v.mp4'), '/tmp/some dir/v.mp4');
  assert.equal(canonicalUri('rel.mp4'), path.resolve('rel.mp4'));
  assert.throws(() => canonicalUri('gs://bucket/key.mp4'), /unsupported URI scheme "gs:"/);
  assert.throws(() => canonicalUri('   '), /empty URI/);
  assert.throws(() => canonicalUri('http://exa mple.com/a.mp4'), /invalid URL http:\/\/exa mple\.com/);
});

test('source ids are short, hex, deterministic and follow the canonical URI', () => {
  const id = sourceId(canonicalUri('https://Example.com/v.mp4#frag'));
  assert.match(id, /^[0-9a-f]{16}$/);
  assert.equal(id, sourceId(canonicalUri('https://example.com:443/v.mp4')));
  assert.notEqual(id, sourceId(canonicalUri('https://example.com/w.mp4')));
  // Fixed value: ids must never change between releases.
  assert.equal(sourceId('https://example.com/v.mp4'), 'ae36a56117f3b091');
});

test('source kinds: files, direct http media, and pages for yt-dlp', () => {
  assert.equal(sourceKind('/data/a.mp4'), 'file');
  assert.equal(sourceKind('https://cdn.example.com/a.mp4'), 'http');
  assert.equal(sourceKind('https://cdn.example.com/watch'), 'http');
  assert.equal(sourceKind('https://cdn.example.com/watch', { webPages: true }), 'ytdlp');
  assert.equal(sourceKind('https://cdn.example.com/a.MP4', { webPages: true }), 'http');
  assert.equal(sourceKind('https://www.youtube.com/watch?v=abc'), 'ytdlp');
  assert.equal(sourceKind('https://youtu.be/abc'), 'ytdlp');
  assert.equal(sourceKind('https://vimeo.com/123'), 'ytdlp');
  assert.equal(sourceKind('https://notyoutube.com/a'), 'http');
});

test('IdSet remembers ids across growth, including the all-zero id', () => {
  const set = new IdSet();
  const ids = Array.from({ length: 5000 }, (_, i) => sourceId(`u${i}`));
  for (const id of ids) assert.equal(set.add(id), true);
  for (const id of ids) assert.equal(set.add(id), false);
  assert.equal(set.add('0000000000000000'), true);
  assert.equal(set.add('0000000000000000'), false);
  assert.equal(set.size, 5001);
});

test('s3:// URIs keep bucket and key, with dot segments resolved; relative rows of an S3 manifest stay in S3', () => {
  assert.equal(canonicalUri('s3://bucket/videos/./a/../key.mp4'), 's3://bucket/videos/key.mp4');
  assert.equal(canonicalUri('clips/b.mp4', 's3://bucket/lists/'), 's3://bucket/lists/clips/b.mp4');
  assert.equal(sourceKind('s3://bucket/key.mp4'), 's3');
  assert.throws(() => canonicalUri('s3://Not_A_Bucket/key.mp4'), /invalid S3 bucket name/);
});
