import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PackConfig } from '../../src/config/schema.js';
import { pack } from '../../src/pack/index.js';
import { rewriteTarWithout } from '../../src/policy/shard-edit.js';
import { writeFileAtomic } from '../../src/store/output.js';
import type { SourceRecord } from '../../src/types.js';
import { outDirMaker, readTar } from './fixture.js';

const RUN = { startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:01:40.000Z' };
const outDir = outDirMaker();

/** Renames a clip's file to another extension, on disk and in its source record. */
async function renameClip(out: string, sourceId: string, clipId: string, ext: string): Promise<void> {
  const recordFile = path.join(out, 'sources', `${sourceId}.json`);
  const record = JSON.parse(await fs.readFile(recordFile, 'utf8')) as SourceRecord;
  const clip = record.clips.find((c) => c.clipId === clipId)!;
  const renamed = clip.file!.replace(/\.mp4$/, ext);
  await fs.rename(path.join(out, clip.file!), path.join(out, renamed));
  clip.file = renamed;
  await fs.writeFile(recordFile, JSON.stringify(record));
}

test('a clip member keeps its file extension (webm, mkv), paired with its .json; a takedown edit still finds it', async () => {
  const out = await outDir();
  await renameClip(out, 'src-a', 'src-a-0-24', '.webm');
  await renameClip(out, 'src-b', 'src-b-0-24', '.mkv');
  await pack(out, PackConfig.parse({}), RUN);
  const small = path.join(out, 'shards/lt144p-16x9-d0-2/shard-000000.tar');
  const webm = (await readTar(small)).find((m) => m.name === 'src-a-0-24.webm');
  assert.ok(webm, 'src-a-0-24.webm member');
  assert.deepEqual(webm.data, await fs.readFile(path.join(out, 'clips/src-a/src-a-0-24.webm')));
  assert.deepEqual((await readTar(small)).map((m) => m.name), ['src-a-0-24.json', 'src-a-0-24.webm', 'src-a-0-24.txt', 'src-a-25-49.json', 'src-a-25-49.mp4']);
  const tall = (await readTar(path.join(out, 'shards/144p-9x16-d0-2/shard-000000.tar'))).map((m) => m.name);
  assert.deepEqual(tall, ['src-b-0-24.json', 'src-b-0-24.mkv']);

  assert.equal(await rewriteTarWithout(small, new Set(['src-a-0-24'])), 2);
  assert.deepEqual((await readTar(small)).map((m) => m.name), ['src-a-25-49.json', 'src-a-25-49.mp4']);
});

test('with thumbnails, shards still stay within shardBytes (thumbnail bytes are counted)', async () => {
  const plain = await pack(await outDir(), PackConfig.parse({}), RUN);
  const pair = plain.shards.find((s) => s.path === 'shards/lt144p-16x9-d0-2/shard-000000.tar')!;
  assert.equal(pair.clips, 2);
  // Two clips fit exactly without thumbnails; with a 4 KiB thumbnail each they must not.
  const out = await outDir();
  const jpeg = Buffer.alloc(4096, 0xff);
  const summary = await pack(out, PackConfig.parse({ shardBytes: pair.bytes, thumbnails: true }), RUN, { thumbnail: async () => jpeg });
  const split = summary.shards.filter((s) => s.bucket === 'lt144p-16x9-d0-2');
  assert.deepEqual(split.map((s) => s.clips), [1, 1]);
  for (const shard of summary.shards) {
    const members = await readTar(path.join(out, shard.path));
    assert.ok(members.some((m) => m.name.endsWith('.jpg')));
    assert.ok(shard.clips === 1 || shard.bytes <= pair.bytes, `${shard.path}: ${shard.bytes} > ${pair.bytes}`);
  }
  assert.deepEqual(split.map((s) => s.path), ['shards/lt144p-16x9-d0-2/shard-000000.tar', 'shards/lt144p-16x9-d0-2/shard-000001.tar']);
});

test('atomic writes to one file at the same time do not share a temporary name; pack removes leftover temporaries', async () => {
  const out = await outDir();
  const file = path.join(out, 'same.txt');
  await Promise.all(['a', 'b', 'c'].map((text) => writeFileAtomic(file, text)));
  assert.match(await fs.readFile(file, 'utf8'), /^[abc]$/);
  assert.deepEqual((await fs.readdir(out)).filter((n) => n.startsWith('same.txt.')), []);

  await pack(out, PackConfig.parse({}), RUN);
  const leftover = 'shards/lt144p-16x9-d2-5/shard-000001.tar.4242.0a1b2c3d.tmp';
  await fs.writeFile(path.join(out, leftover), 'partial');
  const again = await pack(out, PackConfig.parse({}), RUN);
  assert.deepEqual(again.removedShards, [leftover]);
});
