import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PackConfig } from '../../src/config/schema.js';
import { pack, type PackStats } from '../../src/pack/index.js';
import { takedown } from '../../src/policy/takedown.js';
import { listShards } from '../helpers/dataset.js';
import { buildFixture, type Fixture } from './dataset-fixture.js';

const readStats = async (dir: string): Promise<PackStats> => JSON.parse(await readFile(path.join(dir, 'stats.json'), 'utf8')) as PackStats;
const run = { startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:01:40.000Z' };

test('takedown refreshes stats.json: clips, licences, refusals and shard figures follow the edited dataset', async () => {
  const f = await buildFixture();
  try {
    const { a, e } = f.sources as Record<string, Fixture['sources'][string]>;
    // A real pack over the fixture's records, with shards small enough for several per bucket.
    await pack(f.dir, PackConfig.parse({ shardBytes: f.clipBytes * 3 }), run);
    const before = await readStats(f.dir);
    assert.equal(before.clips.kept, 10);
    assert.equal(before.clips.dropped, 1);
    assert.deepEqual(before.licences['CC-BY-4.0'], { sources: 2, clips: 4, hours: 4 / 3600 });
    assert.ok(before.licences['CC-BY-NC-4.0']);
    assert.ok(before.shards.count > 1);

    await takedown(f.dir, [a!.id, e!.uri], 'request 3');
    const after = await readStats(f.dir);

    assert.deepEqual(after.clips, { total: 6, kept: 6, dropped: 0, dropped_by_reason: {} }, "a's dropped clip leaves the index too");
    assert.deepEqual(after.licences['CC-BY-4.0'], { sources: 1, clips: 2, hours: 2 / 3600 });
    assert.equal(after.licences['CC-BY-NC-4.0'], undefined, 'no source or clip of that licence is left');
    assert.equal(after.hours.kept_clip_hours, 6 / 3600);
    assert.equal(after.successes, 3);
    assert.equal(after.count, 5);
    assert.deepEqual(after.sources.refused_by_reason, { refused_takedown: 2 });
    assert.equal(after.status_dict.refused_takedown, 2);

    // Shard figures describe the files now on disk.
    const shards = await listShards(f.dir);
    const sizes = await Promise.all(shards.map((s) => stat(s).then((st) => st.size)));
    assert.equal(after.shards.count, shards.length);
    assert.equal(after.shards.bytes, sizes.reduce((x, y) => x + y, 0));
    assert.equal(Object.values(after.shards.clips_by_bucket).reduce((x, y) => x + y, 0), 6);
    const buckets = new Set(shards.map((s) => path.basename(path.dirname(s))));
    assert.deepEqual(Object.keys(after.shards.clips_by_bucket).sort(), [...buckets].sort());

    // The run's own times stay those of the run that packed the dataset.
    assert.equal(after.start_time, run.startedAt);
    assert.equal(after.end_time, run.finishedAt);
    assert.equal(after.duration, 100);
  } finally {
    await rm(f.dir, { recursive: true, force: true });
  }
});

test('takedown of a dataset never packed writes no stats.json', async () => {
  const f = await buildFixture();
  try {
    await takedown(f.dir, [f.sources.b!.id], 'request 4');
    await assert.rejects(stat(path.join(f.dir, 'stats.json')), { code: 'ENOENT' });
  } finally {
    await rm(f.dir, { recursive: true, force: true });
  }
});
