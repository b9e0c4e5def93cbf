import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isRowError, readInputs } from '../../src/sources/index.js';
import type { RowError, Source } from '../../src/types.js';
import { drain, put, tempDir } from './helpers.js';

const dir = await tempDir();
const ROWS = 400;

/** The first half of a gzip file: the stream ends in the middle of a deflate block. */
const truncatedGzip = (text: string): Buffer => {
  const gz = gzipSync(Buffer.from(text));
  return gz.subarray(0, Math.floor(gz.length / 2));
};

for (const [name, text] of [
  ['m.csv.gz', `url,title\n${Array.from({ length: ROWS }, (_, i) => `https://example.com/v${i}.mp4,title number ${i}\n`).join('')}`],
  ['m.jsonl.gz', Array.from({ length: ROWS }, (_, i) => `${JSON.stringify({ url: `https://example.com/v${i}.mp4`, title: `title number ${i}` })}\n`).join('')],
] as const) {
  test(`a cut-off ${name} ends that input with a row error naming the file and the last line read; the next input is read`, async () => {
    const broken = await put(dir, name, truncatedGzip(text));
    const good = await put(dir, `next-${name.replace('.gz', '')}`, name.startsWith('m.csv') ? 'url\nhttps://example.com/after.mp4\n' : '{"url":"https://example.com/after.mp4"}\n');
    const { sources, errors } = await drain(readInputs([broken, good]));
    assert.equal(errors.length, 1, JSON.stringify(errors));
    const [error] = errors;
    const fromBroken = sources.filter((s) => s.origin.input === broken);
    assert.ok(fromBroken.length > 0 && fromBroken.length < ROWS, `read ${fromBroken.length} rows before the cut`);
    const lastLine = fromBroken.at(-1)!.origin.line!;
    assert.equal(error!.input, broken);
    assert.equal(error!.line, lastLine);
    assert.match(error!.message, new RegExp(`reading ${name.replace('.', '\\.')} stopped after line ${lastLine}: unexpected end of file`));
    assert.deepEqual(sources.at(-1)!.uri, 'https://example.com/after.mp4');
  });
}

test('a subfolder that cannot be opened gives a row error; the rest of the directory is still read', async () => {
  const root = path.join(dir, 'walk');
  for (const name of ['a.mp4', 'b/inner.mp4', 'c.mp4']) await put(root, name, 'x');
  // Running as root ignores permission bits, so the folder is made unreadable by removing it
  // after the walker listed its parent (entries are listed before any is yielded).
  const items: (Source | RowError)[] = [];
  for await (const item of readInputs([root])) {
    items.push(item);
    if (!isRowError(item) && path.basename(item.uri) === 'a.mp4') await rm(path.join(root, 'b'), { recursive: true });
  }
  assert.deepEqual(items.filter((i) => !isRowError(i)).map((s) => path.relative(root, (s as Source).uri)), ['a.mp4', 'c.mp4']);
  const errors = items.filter(isRowError);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.input, root);
  assert.match(errors[0]!.message, /cannot read folder .*\bb\b.*ENOENT/);
});
