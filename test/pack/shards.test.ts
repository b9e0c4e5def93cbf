import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { writeJournal } from '../../src/pack/part-layout.js';
import { sweepPending } from '../../src/pack/part-sweep.js';
import { commitPart, type PartWriterOptions } from '../../src/pack/part-writer.js';
import { rewriteTarWithout } from '../../src/policy/shard-edit.js';
import { OutputDir, writeFileAtomic } from '../../src/store/output.js';
import type { SourceRecord } from '../../src/types.js';
import { fixtureRecords } from '../helpers/parts.js';
import { outDirMaker, readTar } from './fixture.js';

const outDir = outDirMaker();

/** Commits the fixture's readable records as one part. */
async function commitAll(out: string, opts: Partial<PartWriterOptions> = {}) {
  return (await commitPart(new OutputDir(out), await fixtureRecords(out), { shardBytes: 1024 ** 3, ...opts })).manifest;
}

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
  const clipBytes = await fs.readFile(path.join(out, 'clips/src-a/src-a-0-24.webm'));
  const { part } = await commitAll(out);
  const small = path.join(out, `shards/lt144p-16x9-d0-2/${part}-0.tar`);
  const webm = (await readTar(small)).find((m) => m.name === 'src-a-0-24.webm');
  assert.ok(webm, 'src-a-0-24.webm member');
  assert.deepEqual(webm.data, clipBytes);
  assert.deepEqual((await readTar(small)).map((m) => m.name), ['src-a-0-24.json', 'src-a-0-24.webm', 'src-a-0-24.txt', 'src-a-25-49.json', 'src-a-25-49.mp4']);
  const tall = (await readTar(path.join(out, `shards/144p-9x16-d0-2/${part}-0.tar`))).map((m) => m.name);
  assert.deepEqual(tall, ['src-b-0-24.json', 'src-b-0-24.mkv']);

  assert.equal(await rewriteTarWithout(small, new Set(['src-a-0-24'])), 2);
  assert.deepEqual((await readTar(small)).map((m) => m.name), ['src-a-25-49.json', 'src-a-25-49.mp4']);
});

test('with thumbnails, shards still stay within shardBytes (thumbnail bytes are counted)', async () => {
  const plain = await commitAll(await outDir());
  const pair = plain.shards.find((s) => s.path === `shards/lt144p-16x9-d0-2/${plain.part}-0.tar`)!;
  assert.equal(pair.clips, 2);
  // Two clips fit exactly without thumbnails; with a 4 KiB thumbnail each they must not.
  const out = await outDir();
  const jpeg = Buffer.alloc(4096, 0xff);
  const manifest = await commitAll(out, { shardBytes: pair.bytes, thumbnail: async () => jpeg });
  const split = manifest.shards.filter((s) => s.bucket === 'lt144p-16x9-d0-2');
  assert.deepEqual(split.map((s) => s.clips), [1, 1]);
  for (const shard of manifest.shards) {
    const members = await readTar(path.join(out, shard.path));
    assert.ok(members.some((m) => m.name.endsWith('.jpg')));
    assert.ok(shard.clips === 1 || shard.bytes <= pair.bytes, `${shard.path}: ${shard.bytes} > ${pair.bytes}`);
  }
  assert.deepEqual(split.map((s) => s.path), [`shards/lt144p-16x9-d0-2/${manifest.part}-0.tar`, `shards/lt144p-16x9-d0-2/${manifest.part}-1.tar`]);
});

test('atomic writes to one file at the same time do not share a temporary name; the sweep removes a dead writer\'s temporaries', async () => {
  const out = await outDir();
  const file = path.join(out, 'same.txt');
  await Promise.all(['a', 'b', 'c'].map((text) => writeFileAtomic(file, text)));
  assert.match(await fs.readFile(file, 'utf8'), /^[abc]$/);
  assert.deepEqual((await fs.readdir(out)).filter((n) => n.startsWith('same.txt.')), []);

  const committed = await commitAll(out);
  const dead = '20240101T000000-0a1b2c3d-000007';
  await writeJournal(out, dead);
  const leftover = `shards/lt144p-16x9-d2-5/${dead}-1.tar.4242.0a1b2c3d.tmp`;
  await fs.writeFile(path.join(out, leftover), 'partial');
  const swept = await sweepPending(new OutputDir(out), { shardBytes: 1024 ** 3 });
  assert.deepEqual(swept.removedParts, [dead]);
  await assert.rejects(fs.stat(path.join(out, leftover)));
  for (const shard of committed.shards) await fs.stat(path.join(out, shard.path));
});
