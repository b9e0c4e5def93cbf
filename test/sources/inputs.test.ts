import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { FatalError } from '../../src/errors.js';
import { readInputs } from '../../src/sources/index.js';
import { drain, put, tempDir } from './helpers.js';

const dir = await tempDir();

test('a directory is walked recursively in sorted order, keeping only video extensions', async () => {
  const root = path.join(dir, 'walk');
  for (const name of ['b.mp4', 'a.MOV', 'notes.txt', 'sub/z.mkv', 'sub/deeper/c.webm', 'sub/deeper/c.srt', 'A/x.ts', 'clip.mp4.part']) {
    await put(root, name, 'x');
  }
  await symlink(path.join(root, 'b.mp4'), path.join(root, 'link.m4v'));
  await symlink(path.join(root, 'missing.mp4'), path.join(root, 'dangling.mp4'));
  await symlink(root, path.join(root, 'sub', 'loop'));
  const { sources, errors } = await drain(readInputs([root]));
  assert.deepEqual(errors, []);
  assert.deepEqual(sources.map((s) => path.relative(root, s.uri)), ['A/x.ts', 'a.MOV', 'b.mp4', 'link.m4v', 'sub/deeper/c.webm', 'sub/z.mkv']);
  assert.ok(sources.every((s) => s.kind === 'file' && s.origin.input === root && s.origin.line === undefined));
});

test('single arguments: URL, video file, manifest; a missing path is fatal before anything is read', async () => {
  const video = await put(dir, 'single/movie.avi', 'x');
  const manifest = await put(dir, 'single/m.csv', 'url\nhttps://example.com/m.mp4\n');
  const { sources } = await drain(readInputs(['HTTPS://Example.com/u.mp4#x', video, manifest]));
  assert.deepEqual(sources.map((s) => [s.uri, s.kind, s.origin.input]), [
    ['https://example.com/u.mp4', 'http', 'HTTPS://Example.com/u.mp4#x'],
    [video, 'file', video],
    ['https://example.com/m.mp4', 'http', manifest],
  ]);
  const stream = readInputs(['https://example.com/first.mp4', path.join(dir, 'nope.csv')]);
  await assert.rejects(stream.next(), (err) => err instanceof FatalError && /input not found: .*nope\.csv/.test(err.message));
  await assert.rejects(readInputs(['https://']).next(), (err) => err instanceof FatalError && /input "https:\/\/": invalid URL/.test(err.message));
});

test('the same source named by several inputs is yielded once', async () => {
  const video = await put(dir, 'dup/v.mp4', 'x');
  const a = await put(dir, 'dup/a.csv', 'url\nv.mp4\nhttps://example.com/same.mp4\n');
  const b = await put(dir, 'dup/b.jsonl', '{"url": "HTTPS://EXAMPLE.com:443/same.mp4#frag"}\n{"url": "https://example.com/other.mp4"}\n');
  const { sources, errors } = await drain(readInputs([a, b, video, path.join(dir, 'dup'), 'https://example.com/other.mp4']));
  assert.deepEqual(errors, []);
  assert.deepEqual(sources.map((s) => s.uri), [video, 'https://example.com/same.mp4', 'https://example.com/other.mp4']);
  assert.equal(new Set(sources.map((s) => s.id)).size, 3);
});

test('an unknown preset is fatal and names the known ones', async () => {
  await assert.rejects(readInputs([dir], { preset: 'youku' }).next(), (err) =>
    err instanceof FatalError && /unknown preset "youku"/.test(err.message) && /hdvila, panda70m, webvid, internvid, kinetics/.test(err.message));
});
