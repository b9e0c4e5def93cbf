import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parquetWriteFile } from 'hyparquet-writer';
import { FatalError } from '../../src/errors.js';
import { readInputs } from '../../src/sources/index.js';
import { drain, put, tempDir } from './helpers.js';

const dir = await tempDir();

test('CSV: rows become sources with metadata; broken rows are reported with file and line', async () => {
  const file = await put(dir, 'list.csv', [
    'url,title,license',
    'https://example.com/a.mp4,"first, with comma",CC-BY-4.0',
    '',
    '"https://example.com/b.mp4","multi',
    'line title",',
    'https://example.com/c.mp4,too,many,columns',
    ',no url,MIT',
    'clips/d.mp4,relative,',
    '"https://example.com/e.mp4,unclosed',
  ].join('\r\n'));
  const { sources, errors } = await drain(readInputs([file]));
  assert.deepEqual(sources.map((s) => s.uri), ['https://example.com/a.mp4', 'https://example.com/b.mp4', path.join(dir, 'clips/d.mp4')]);
  assert.deepEqual(sources.map((s) => s.origin), [{ input: file, line: 2 }, { input: file, line: 4 }, { input: file, line: 8 }]);
  assert.deepEqual(sources[0]!.metadata, { title: 'first, with comma', license: 'CC-BY-4.0', license_raw: 'CC-BY-4.0' });
  assert.equal(sources[1]!.metadata.title, 'multi\r\nline title');
  assert.equal(sources[1]!.metadata.license_raw, undefined);
  assert.equal(sources[2]!.kind, 'file');
  assert.deepEqual(errors.map((e) => [e.input, e.line]), [[file, 6], [file, 7], [file, 9]]);
  assert.match(errors[0]!.message, /expected 3 columns, found 4/);
  assert.match(errors[1]!.message, /missing URL in column "url"/);
  assert.match(errors[2]!.message, /unreadable CSV record/);
});

test('TSV with a gzip-compressed file and the URL column found by another name', async () => {
  const file = await put(dir, 'list.tsv.gz', gzipSync('id\tVideo_URL\tcaption\n1\thttp://example.com/x.webm\ta dog\n2\thttp://example.com/y.webm\n'));
  const { sources, errors } = await drain(readInputs([file]));
  assert.deepEqual(sources.map((s) => [s.uri, s.metadata]), [['http://example.com/x.webm', { id: '1', caption: 'a dog' }]]);
  assert.deepEqual(errors.map((e) => [e.line, e.message]), [[3, 'expected 3 columns, found 2']]);
});

test('JSONL: bad JSON, non-objects and missing URLs are row errors; blank lines are skipped', async () => {
  const file = await put(dir, 'list.jsonl', [
    '{"path": "v/one.mp4", "tags": ["a", "b"], "rights": "CC0"}',
    '{"path": "v/two.mp4"',
    '',
    '[1, 2]',
    '{"other": 1}',
    '{"path": "file:///srv/three.mkv"}',
  ].join('\n'));
  const { sources, errors } = await drain(readInputs([file]));
  assert.deepEqual(sources.map((s) => s.uri), [path.join(dir, 'v/one.mp4'), '/srv/three.mkv']);
  assert.deepEqual(sources[0]!.metadata, { tags: ['a', 'b'], rights: 'CC0', license_raw: 'CC0' });
  assert.deepEqual(errors.map((e) => e.line), [2, 4, 5]);
  assert.match(errors[0]!.message, /invalid JSON/);
  assert.match(errors[1]!.message, /expected a JSON object/);
  assert.match(errors[2]!.message, /missing URL in column "path"/);
});

test('JSON array: streamed element by element, a bad element is a row error numbered by element', async () => {
  const file = await put(dir, 'list.json', `[
    {"video": "https://example.com/1.mp4", "note": "has ] and , and \\" in it"},
    {"video": 12},
    {"video": "https://example.com/3.mp4", "nested": {"a": [1, {"b": 2}]}},
    {"video": tru},
    {"video": "https://example.com/5.mp4"}
  ]`);
  const { sources, errors } = await drain(readInputs([file]));
  assert.deepEqual(sources.map((s) => [s.uri, s.origin.line]), [
    ['https://example.com/1.mp4', 1], ['https://example.com/3.mp4', 3], ['https://example.com/5.mp4', 5],
  ]);
  assert.equal(sources[0]!.metadata.note, 'has ] and , and " in it');
  assert.deepEqual(sources[1]!.metadata.nested, { a: [1, { b: 2 }] });
  assert.deepEqual(errors.map((e) => e.line), [2, 4]);
  const notArray = await put(dir, 'object.json', '{"videos": []}');
  await assert.rejects(drain(readInputs([notArray])), (err) => err instanceof FatalError && /JSON array/.test(err.message));
});

test('Parquet: several row groups read in order, integers made plain', async () => {
  const file = path.join(dir, 'list.parquet');
  const n = 25;
  parquetWriteFile({
    filename: file,
    rowGroupSize: 10,
    columnData: [
      { name: 'contentUrl', data: Array.from({ length: n }, (_, i) => (i === 7 ? '' : `https://example.com/${i}.mp4`)), type: 'STRING' },
      { name: 'views', data: Array.from({ length: n }, (_, i) => BigInt(i * 1000)), type: 'INT64' },
    ],
  });
  const { sources, errors } = await drain(readInputs([file]));
  assert.equal(sources.length, n - 1);
  assert.deepEqual(sources[0]!.metadata, { views: 0 });
  assert.deepEqual(sources.at(-1)!.metadata, { views: 24000 });
  assert.deepEqual(sources.map((s) => s.origin.line), Array.from({ length: n }, (_, i) => i + 1).filter((l) => l !== 8));
  assert.deepEqual(errors.map((e) => [e.input, e.line]), [[file, 8]]);
});

test('--url-column names the column; a header without a URL column is fatal and lists the columns', async () => {
  const file = await put(dir, 'named.csv', 'clip_src,url\n/data/a.mp4,https://example.com/not-this.mp4\n');
  const { sources } = await drain(readInputs([file], { urlColumn: 'clip_src' }));
  assert.deepEqual(sources.map((s) => [s.uri, s.metadata]), [['/data/a.mp4', { url: 'https://example.com/not-this.mp4' }]]);

  const none = await put(dir, 'none.csv', 'name,size\na,1\n');
  await assert.rejects(drain(readInputs([none])), (err) =>
    err instanceof FatalError && /no URL column/.test(err.message) && /"name", "size"/.test(err.message) && /--url-column/.test(err.message));
  await assert.rejects(drain(readInputs([file], { urlColumn: 'nope' })), (err) =>
    err instanceof FatalError && /no column "nope"/.test(err.message) && /"clip_src", "url"/.test(err.message));
});

test('--license-column picks the licence column', async () => {
  const file = await put(dir, 'lic.csv', 'url,terms,license\nhttps://example.com/a.mp4,CC-BY-SA-4.0,ignored\n');
  const { sources } = await drain(readInputs([file], { licenseColumn: 'terms' }));
  assert.equal(sources[0]!.metadata.license_raw, 'CC-BY-SA-4.0');
});

test('a row whose URL cannot be canonicalised is a row error, not a fatal one', async () => {
  const file = await put(dir, 'schemes.csv', 'url\ngs://bucket/a.mp4\nhttp://exa mple.com/b.mp4\nhttps://example.com/c.mp4\n');
  const { sources, errors } = await drain(readInputs([file]));
  assert.deepEqual(sources.map((s) => s.uri), ['https://example.com/c.mp4']);
  assert.deepEqual(errors.map((e) => [e.line, e.message]), [[2, 'unsupported URI scheme "gs:" in gs://bucket/a.mp4'], [3, 'invalid URL http://exa mple.com/b.mp4']]);
});

test('a licence column named like admission reads it (license_name, any case) is copied to license_raw', async () => {
  const file = await put(dir, 'licence-name.csv', 'url,License_Name\nhttps://example.com/l.mp4,CC BY 4.0\n');
  const { sources } = await drain(readInputs([file]));
  assert.equal(sources[0]!.metadata.license_raw, 'CC BY 4.0');
});
