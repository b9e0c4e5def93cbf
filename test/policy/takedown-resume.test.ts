import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { partFiles } from '../../src/pack/index-parts.js';
import { beginTotalsUpdate, readTotals } from '../../src/pack/totals.js';
import { resumeTakedown, takedown } from '../../src/policy/takedown.js';
import { buildFixture, PARTS, sha256 } from './dataset-fixture.js';

const IN_PROGRESS = '.takedown-in-progress.json';

test('a takedown killed between a part\'s Parquet and its manifest is finished by the rerun the note asks for', async () => {
  const f = await buildFixture();
  try {
    const a = f.sources.a!;
    const manifest = partFiles(f.dir, PARTS.abc, 'final').manifest;
    const totalsFile = path.join(f.dir, 'index', 'totals.json');
    const [oldManifest, oldTotals] = await Promise.all([manifest, totalsFile].map((file) => readFile(file, 'utf8')));

    const done = await takedown(f.dir, [a.id], 'request #7');
    assert.deepEqual(done.parts, [PARTS.abc]);
    const [doneManifest, doneTotals] = await Promise.all([manifest, totalsFile].map((file) => readFile(file, 'utf8')));

    // The state a SIGKILL after part abc's tars and Parquet left: its old manifest, the totals
    // journalled but not finished, and the note of the takedown under way.
    await writeFile(manifest, oldManifest);
    await writeFile(totalsFile, oldTotals);
    await beginTotalsUpdate(f.dir, [PARTS.abc]);
    await writeFile(path.join(f.dir, IN_PROGRESS), JSON.stringify({ sources: [a.id], reason: 'request #7', parts: [PARTS.abc] }));

    const resumed = await resumeTakedown(f.dir);
    assert.ok(resumed);
    assert.deepEqual(JSON.parse(await readFile(manifest, 'utf8')), JSON.parse(doneManifest), 'the manifest states the rewritten tars and rows');
    assert.deepEqual(JSON.parse(await readFile(totalsFile, 'utf8')), JSON.parse(doneTotals), 'the totals count the part once, without a');
    for (const shard of JSON.parse(await readFile(manifest, 'utf8')).shards as { path: string; sha256: string }[]) {
      assert.equal(await sha256(path.join(f.dir, shard.path)), shard.sha256, `${shard.path} as its manifest states`);
    }
    assert.equal((await readTotals(f.dir)).parts, 3);
    assert.equal(await resumeTakedown(f.dir), undefined, 'the note is gone');
  } finally {
    await rm(f.dir, { recursive: true, force: true });
  }
});
