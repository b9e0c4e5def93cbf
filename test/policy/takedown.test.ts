import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PackConfig, PolicyConfig } from '../../src/config/schema.js';
import { ErrorCode } from '../../src/errors.js';
import { pack } from '../../src/pack/index.js';
import { writeAttribution } from '../../src/policy/attribution.js';
import { loadPolicyContext } from '../../src/policy/context.js';
import { decideAdmission } from '../../src/policy/policy.js';
import { loadTakedowns, takedown, TAKEDOWNS_FILE } from '../../src/policy/takedown.js';
import { RecordStore } from '../../src/store/record-store.js';
import type { Source, SourceRecord } from '../../src/types.js';
import { listShards, queryIndex, tarMembers } from '../helpers/dataset.js';
import { buildFixture, PARTS, sha256, SHARD, type Fixture } from './dataset-fixture.js';

async function shardHashes(dir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const file of await listShards(dir)) hashes.set(path.relative(dir, file).split(path.sep).join('/'), await sha256(file));
  return hashes;
}

const readRecord = async (f: Fixture, name: string): Promise<SourceRecord> =>
  (await new RecordStore(f.dir).read(f.sources[name]!.id))!;

const exists = (file: string): Promise<boolean> => stat(file).then(() => true, () => false);

test('takedown removes clips from shards and index, leaves other shards byte-identical, and refuses the sources later', async () => {
  const f = await buildFixture();
  try {
    const { a, b, c, d, e } = f.sources as Record<string, Fixture['sources'][string]>;
    await writeAttribution(f.dir);
    assert.match(await readFile(path.join(f.dir, 'ATTRIBUTION.md'), 'utf8'), /Uploader A/);
    const before = await shardHashes(f.dir);
    assert.equal(before.size, 4);

    // a by id, c by a differently spelled URI of the same video.
    const result = await takedown(f.dir, [a!.id, 'HTTPS://Videos.Example.com:443/c.mp4#t=3'], 'rights holder request #12');
    assert.deepEqual(result.sources, [a!.id, c!.id].sort());
    assert.equal(result.clips, 5, 'a: 2 kept + 1 dropped, c: 2 kept');
    assert.equal(result.samples, 4);
    assert.deepEqual(result.shards, [SHARD.ab, SHARD.bc]);
    assert.deepEqual(result.parts, [PARTS.abc], 'only the part holding a and c is rewritten');
    assert.deepEqual(result.deletedShards, []);

    // Untouched shards are byte-identical; the two rewritten ones changed.
    const after = await shardHashes(f.dir);
    assert.equal(after.get(SHARD.d), before.get(SHARD.d));
    assert.equal(after.get(SHARD.e), before.get(SHARD.e));
    for (const shard of result.shards) assert.notEqual(after.get(shard), before.get(shard));

    // No member of a or c in any tar; every other sample intact, with its bytes.
    const removed = new Set([...a!.clipIds, ...c!.clipIds]);
    const remaining: Record<string, string[]> = {};
    for (const file of await listShards(f.dir)) {
      const members = await tarMembers(file);
      for (const m of members) assert.ok(!removed.has(m.name.split('.')[0]!), `${m.name} still in ${file}`);
      for (const m of members.filter((m) => m.name.endsWith('.mp4'))) assert.equal(m.size, f.clipBytes);
      remaining[path.relative(f.dir, file).split(path.sep).join('/')] = members.map((m) => m.name);
    }
    assert.deepEqual(remaining[SHARD.ab], [`${b!.clipIds[0]}.json`, `${b!.clipIds[0]}.mp4`, `${b!.clipIds[0]}.txt`]);
    assert.deepEqual(remaining[SHARD.bc], [`${b!.clipIds[1]}.json`, `${b!.clipIds[1]}.mp4`, `${b!.clipIds[1]}.txt`]);

    // The index (read by DuckDB) has no rows of a or c, and all rows of the others.
    const bySource = await queryIndex(f.dir, (t) => `SELECT source_id, count(*)::INTEGER AS n FROM ${t} GROUP BY source_id ORDER BY source_id`);
    assert.deepEqual(
      bySource.map((r) => [r.source_id, r.n]),
      [b!, d!, e!].map((s) => [s.id, 2]).sort(([x], [y]) => ((x as string) < (y as string) ? -1 : 1)),
    );

    // Clip files gone, other clip files kept.
    assert.equal(await exists(path.join(f.dir, 'clips', a!.id)), false);
    assert.equal(await exists(path.join(f.dir, 'clips', c!.id)), false);
    assert.equal(await exists(path.join(f.dir, 'clips', b!.id, `${b!.clipIds[0]}.mp4`)), true);

    // Records kept, marked refused by takedown, without clips; others untouched.
    for (const name of ['a', 'c']) {
      const record = await readRecord(f, name);
      assert.equal(record.status, 'refused');
      assert.equal(record.error?.code, ErrorCode.RefusedTakedown);
      assert.match(record.error!.message, /rights holder request #12/);
      assert.deepEqual(record.clips, []);
      assert.equal(record.uri, f.sources[name]!.uri);
    }
    assert.equal((await readRecord(f, 'b')).status, 'done');

    // takedowns.jsonl entry.
    const lines = (await readFile(path.join(f.dir, TAKEDOWNS_FILE), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]!);
    assert.deepEqual(
      { sources: entry.sources, clips: entry.clips, reason: entry.reason },
      { sources: [a!.id, c!.id].sort(), clips: 5, reason: 'rights holder request #12' },
    );
    assert.ok(!Number.isNaN(Date.parse(entry.time)));

    // Attribution rewritten without them.
    const attribution = await readFile(path.join(f.dir, 'ATTRIBUTION.md'), 'utf8');
    assert.doesNotMatch(attribution, /Uploader A|Uploader C/);
    assert.match(attribution, /Uploader B/);

    // A later run refuses them whatever its use; others are still admitted.
    assert.deepEqual(await loadTakedowns(f.dir), new Set([a!.id, c!.id]));
    const ctx = await loadPolicyContext(PolicyConfig.parse({}), f.dir);
    const asSource = (s: typeof a): Source => ({ id: s!.id, uri: s!.uri, kind: 'http', metadata: {}, origin: { input: 'x' }, license: s!.license });
    const verdict = decideAdmission(asSource(a), ctx);
    assert.ok(!verdict.admit && verdict.code === ErrorCode.RefusedTakedown);
    assert.ok(decideAdmission(asSource(b), ctx).admit);

    // Taking the same source down again changes no shard.
    const again = await takedown(f.dir, [a!.id], 'duplicate request');
    assert.equal(again.samples, 0);
    assert.deepEqual(again.shards, []);
    assert.deepEqual(await shardHashes(f.dir), after);
  } finally {
    await rm(f.dir, { recursive: true, force: true });
  }
});

test('a shard left empty by a takedown is deleted', async () => {
  const f = await buildFixture();
  try {
    const e = f.sources.e!;
    const result = await takedown(f.dir, [e.uri], 'opted out');
    assert.deepEqual(result.deletedShards, [SHARD.e]);
    assert.equal(await exists(path.join(f.dir, 'shards/solo')), false, 'the emptied bucket folder is removed');
    assert.equal((await listShards(f.dir)).length, 3);
  } finally {
    await rm(f.dir, { recursive: true, force: true });
  }
});

/**
 * A takedown killed right after its first step: the entry is logged and the records are marked,
 * but shards, index parts and clip files are as before (put back from a copy taken beforehand),
 * and its in-progress note is still there.
 */
async function killedAfterMarking(f: Fixture, ref: string): Promise<void> {
  const saved = `${f.dir}-saved`;
  for (const part of ['shards', 'clips', 'index']) await cp(path.join(f.dir, part), path.join(saved, part), { recursive: true });
  await takedown(f.dir, [ref], 'first attempt');
  await writeFile(path.join(f.dir, '.takedown-in-progress.json'), JSON.stringify({ sources: [ref], reason: 'first attempt' }));
  for (const part of ['shards', 'clips', 'index']) {
    await rm(path.join(f.dir, part), { recursive: true, force: true });
    await cp(path.join(saved, part), path.join(f.dir, part), { recursive: true });
  }
  await rm(saved, { recursive: true });
}

const indexSources = async (f: Fixture): Promise<string[]> =>
  (await queryIndex(f.dir, (t) => `SELECT DISTINCT source_id FROM ${t} ORDER BY source_id`)).map((r) => r.source_id as string);

const shardKeys = async (f: Fixture): Promise<Set<string>> =>
  new Set((await Promise.all((await listShards(f.dir)).map(tarMembers))).flat().map((m) => m.name.split('.')[0]!));

test('a takedown killed after marking the records: running it again completes it', async () => {
  const f = await buildFixture();
  try {
    const a = f.sources.a!;
    await killedAfterMarking(f, a.id);
    assert.ok((await indexSources(f)).includes(a.id), 'the simulated kill left the index as it was');
    assert.ok((await readRecord(f, 'a')).status === 'refused');

    const again = await takedown(f.dir, [a.id], 'second attempt');
    assert.equal(again.clips, 3, 'the clips are found through the index, the record lost its list');
    assert.equal(again.samples, 2);
    assert.ok(!(await indexSources(f)).includes(a.id));
    for (const clipId of a.clipIds) assert.ok(!(await shardKeys(f)).has(clipId));
    assert.equal(await exists(path.join(f.dir, 'clips', a.id)), false);
    assert.match((await readRecord(f, 'a')).error!.message, /first attempt/, 'the record keeps its first marking');
    assert.deepEqual(await loadTakedowns(f.dir), new Set([a.id]));
  } finally {
    await rm(f.dir, { recursive: true, force: true });
  }
});

test('a takedown killed after marking the records: a later pack finishes it, and does not put the clips back', async () => {
  const f = await buildFixture();
  try {
    const { a, b } = f.sources;
    await killedAfterMarking(f, a!.id);
    await pack(f.dir, PackConfig.parse({}), { startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:00:01.000Z' });
    const sources = await indexSources(f);
    assert.ok(!sources.includes(a!.id));
    assert.ok(sources.includes(b!.id));
    const keys = await shardKeys(f);
    for (const clipId of a!.clipIds) assert.ok(!keys.has(clipId));
    for (const clipId of b!.clipIds) assert.ok(keys.has(clipId));
  } finally {
    await rm(f.dir, { recursive: true, force: true });
  }
});

test('loadTakedowns is empty without a takedown file', async () => {
  assert.equal((await loadTakedowns('/nonexistent-clipmill-dir')).size, 0);
});
