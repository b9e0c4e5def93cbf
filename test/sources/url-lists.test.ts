import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FatalError } from '../../src/errors.js';
import { isRowError, readInputs } from '../../src/sources/index.js';
import { drain, put, tempDir } from './helpers.js';

const dir = await tempDir();

test('a .txt URL list: one entry per line, comments and blanks skipped, paths relative to the list', async () => {
  const file = await put(dir, 'lists/batch.txt', [
    '\ufeff# crawl of 2024-05-01',
    'https://Example.com/a.mp4',
    '',
    '   # an indented comment',
    '  clips/b.mkv  ',
    's3://bucket/c.mp4',
    'https://example.com/d.mp4#t=3',
    'file:///srv/e.webm',
    'https://example.com/a.mp4',
    'http://exa mple.com/f.mp4',
  ].join('\r\n'));
  const { sources, errors } = await drain(readInputs([file], { urlColumn: 'ignored-for-lists' }));
  assert.deepEqual(sources.map((s) => [s.uri, s.kind, s.origin.line]), [
    ['https://example.com/a.mp4', 'http', 2],
    [path.join(dir, 'lists/clips/b.mkv'), 'file', 5],
    ['s3://bucket/c.mp4', 's3', 6],
    ['https://example.com/d.mp4', 'http', 7], // a '#' inside a line is part of the URL, not a comment
    ['/srv/e.webm', 'file', 8],
  ]);
  assert.ok(sources.every((s) => s.origin.input === file && Object.keys(s.metadata).length === 0));
  assert.deepEqual(errors, [
    { input: file, line: 10, message: 'invalid URL http://exa mple.com/f.mp4' },
  ]);
});

test('.urls and gzipped .list files are URL lists too; a list argument is never taken for a video', async () => {
  const urls = await put(dir, 'more.urls', 'https://example.com/u1.mp4\nhttps://example.com/u2.mp4\n');
  const list = await put(dir, 'more.list.gz', gzipSync('# gz\nhttps://example.com/g1.mp4\n'));
  const text = await put(dir, 'notes.TXT', '# nothing but a comment\n');
  const { sources, errors } = await drain(readInputs([urls, list, text]));
  assert.deepEqual(sources.map((s) => [path.basename(s.origin.input), s.uri, s.origin.line]), [
    ['more.urls', 'https://example.com/u1.mp4', 1],
    ['more.urls', 'https://example.com/u2.mp4', 2],
    ['more.list.gz', 'https://example.com/g1.mp4', 2],
  ]);
  assert.deepEqual(errors, []);
});

test('a URL list streams: its first source arrives while the list is still being written', { timeout: 20_000 }, async () => {
  const fifo = path.join(dir, 'live.txt');
  execFileSync('mkfifo', [fifo]);
  const out = createWriteStream(fifo);
  out.write('https://example.com/live-1.mp4\n');
  const stream = readInputs([fifo]);
  const first = await stream.next();
  assert.ok(!first.done && !isRowError(first.value));
  assert.equal(first.value.uri, 'https://example.com/live-1.mp4');
  out.end('https://example.com/live-2.mp4\n');
  await once(out, 'finish');
  const { sources } = await drain(stream);
  assert.deepEqual(sources.map((s) => [s.uri, s.origin.line]), [['https://example.com/live-2.mp4', 2]]);
});

test('a preset cannot read a URL list: fatal, naming the preset and its columns', async () => {
  const file = await put(dir, 'preset.txt', 'https://example.com/p.mp4\n');
  await assert.rejects(drain(readInputs([file], { preset: 'kinetics' })), (err) =>
    err instanceof FatalError && /preset kinetics reads the columns label, youtube_id/.test(err.message) && /bare URLs/.test(err.message));
});

test('JSON array of bare strings (mixed with objects) yields sources; bad elements are numbered row errors', async () => {
  const file = await put(dir, 'json/strings.json', JSON.stringify([
    'https://example.com/s1.mp4',
    'v/s2.mp4',
    { url: 'https://example.com/s3.mp4', title: 'an object among strings' },
    'ftp://example.com/s4.mp4',
    42,
    '',
    'https://example.com/s7.mp4',
  ], null, 1));
  const { sources, errors } = await drain(readInputs([file]));
  assert.deepEqual(sources.map((s) => [s.uri, s.origin.line, s.metadata]), [
    ['https://example.com/s1.mp4', 1, {}],
    [path.join(dir, 'json/v/s2.mp4'), 2, {}],
    ['https://example.com/s3.mp4', 3, { title: 'an object among strings' }],
    ['https://example.com/s7.mp4', 7, {}],
  ]);
  assert.deepEqual(errors, [
    { input: file, line: 4, message: 'unsupported URI scheme "ftp:" in ftp://example.com/s4.mp4' },
    { input: file, line: 5, message: 'expected a JSON object or a URL string' },
    { input: file, line: 6, message: 'empty URI' },
  ]);
});

test('JSON Lines: a line holding a JSON string is a bare URL as well', async () => {
  const file = await put(dir, 'strings.jsonl', '"https://example.com/l1.mp4"\n{"url": "https://example.com/l2.mp4"}\n');
  const { sources, errors } = await drain(readInputs([file]));
  assert.deepEqual(sources.map((s) => [s.uri, s.origin.line]), [['https://example.com/l1.mp4', 1], ['https://example.com/l2.mp4', 2]]);
  assert.deepEqual(errors, []);
});
