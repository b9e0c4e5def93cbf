/**
 * Committing parts where clips are made, and the sweep after a writer was killed: a real child
 * process sweeps (and so commits) the fixture's marked sources and is SIGKILLed right after each
 * step of a commit; a sweep afterwards always leaves a consistent folder (checkParts) with the same
 * samples and rows as a commit that was never interrupted, and a second sweep changes nothing. A
 * folder of the first layout (one index.parquet) is adopted: its sources end up in parts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PackConfig } from '../../src/config/schema.js';
import { pack, readIndex } from '../../src/pack/index.js';
import { listParts, partFiles, readManifest } from '../../src/pack/index-parts.js';
import { clearPending, markPending } from '../../src/pack/part-markers.js';
import { startedParts } from '../../src/pack/part-layout.js';
import { commitPart, PartCollector, releaseSource, type CommitStep } from '../../src/pack/part-writer.js';
import { sweepPending } from '../../src/pack/part-sweep.js';
import { writeIndexFile } from '../../src/pack/index-parquet.js';
import { clipRows, dropRow } from '../../src/pack/rows.js';
import { OutputDir } from '../../src/store/output.js';
import { checkParts, fixtureRecords } from '../helpers/parts.js';
import { outDirMaker, readTar } from './fixture.js';

const outDir = outDirMaker();
/** The fixture's clips state 1000 bytes each: a part rolls over after two of them. */
const SHARD_BYTES = 1500;
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/sweep-child.ts');

/** Sweeps `out` in a child process that SIGKILLs itself after the `nth` time a commit reaches `step`. */
function killedSweep(out: string, step: CommitStep, nth: number): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD, out, String(SHARD_BYTES), step, String(nth)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve) => child.on('close', (_code, signal) => resolve(signal)));
}

describe('part commit', () => {
  it('writes tars per bucket named <partId>-<k>.tar, the pending parquet and manifest, then drops staged clips and markers', async () => {
    const out = await outDir();
    const dir = new OutputDir(out);
    const { manifest, missing } = await commitPart(dir, await fixtureRecords(out), { shardBytes: 1024 ** 3 });
    const partId = manifest.part;
    assert.match(partId, /^\d{8}T\d{6}-[0-9a-f]{8}-\d{6}$/);
    assert.deepEqual(manifest.shards.map((s) => s.path).sort(), [
      `shards/144p-9x16-d0-2/${partId}-0.tar`, `shards/lt144p-16x9-d0-2/${partId}-0.tar`, `shards/lt144p-16x9-d2-5/${partId}-0.tar`,
    ]);
    assert.deepEqual(manifest.sources, ['src-a', 'src-b', 'src-c', 'src-d', 'src-e']);
    assert.deepEqual(missing, ['src-b-25-49'], 'a kept clip without its file is dropped at commit');
    assert.equal(manifest.stats.sources.total, 5);
    assert.equal(manifest.stats.clips.kept, 4);
    assert.deepEqual(await listParts(out, 'pending'), [partId]);
    assert.deepEqual(await startedParts(out), [], 'the journal goes once the manifest is there');
    for (const id of manifest.sources) {
      await assert.rejects(fs.stat(path.join(out, 'pending', id)), `marker of ${id} removed`);
      await assert.rejects(fs.stat(path.join(out, 'clips', id)), `staged clips of ${id} removed`);
    }
    // The broken and partial records' markers stay for the sweep; the committed part is left alone by it.
    const swept = await sweepPending(dir, { shardBytes: 1024 ** 3 });
    assert.deepEqual(swept, { removedParts: [], committedSources: 0, cleanedSources: 0, forgottenSources: 2, heldSources: [], adoptedSources: 0 });
    const view = await checkParts(out);
    assert.ok(view.members.some((m) => m.startsWith('src-a-0-24.mp4 ')));
    assert.ok(view.rows.includes('src-b-25-49 dropped missing_file'));
  });

  it('gives the same tar bytes for the same sources, whatever the part id', async () => {
    const [one, two] = [await outDir(), await outDir()];
    const a = (await commitPart(new OutputDir(one), await fixtureRecords(one), { shardBytes: 1024 ** 3 })).manifest;
    const b = (await commitPart(new OutputDir(two), await fixtureRecords(two), { shardBytes: 1024 ** 3 })).manifest;
    assert.notEqual(a.part, b.part);
    assert.deepEqual(a.shards.map((s) => [s.bucket, s.clips, s.bytes, s.sha256]), b.shards.map((s) => [s.bucket, s.clips, s.bytes, s.sha256]));
  });

  it('a collector commits once the staged kept bytes reach shardBytes, and the rest on flush', async () => {
    const out = await outDir();
    const collector = new PartCollector(new OutputDir(out), { shardBytes: SHARD_BYTES });
    const [a, b, c] = await fixtureRecords(out);
    await collector.add(a!); // four kept clips of 1000 bytes stated: full at once
    assert.equal((await listParts(out, 'pending')).length, 1);
    await collector.add(c!); // no clips
    await collector.add(b!);
    assert.equal((await listParts(out, 'pending')).length, 2);
    await collector.flush();
    assert.equal(collector.size, 0);
    assert.equal((await listParts(out, 'pending')).length, 2, 'nothing left to flush');
  });

  it('a collector also commits once the staged rows reach maxRows, though the sources keep no clips', async () => {
    const out = await outDir();
    const collector = new PartCollector(new OutputDir(out), { shardBytes: 1024 ** 3, maxRows: 2 });
    const [, , c, d, e] = await fixtureRecords(out); // failed and refused: no clips, a row each
    await collector.add(c!);
    assert.equal((await listParts(out, 'pending')).length, 0);
    await collector.add(d!);
    const parts = await listParts(out, 'pending');
    assert.equal(parts.length, 1, 'committed at two rows');
    assert.deepEqual((await readManifest(out, parts[0]!, 'pending'))!.sources, ['src-c', 'src-d']);
    await collector.add(e!);
    assert.equal(collector.size, 1);
  });
});

describe('a writer killed mid-commit, then the sweep', () => {
  const stops: [CommitStep, number][] = [['journal', 1], ['clip', 1], ['clip', 3], ['tars', 1], ['index', 1], ['manifest', 1], ['manifest', 2], ['cleanup', 1]];
  let reference: Awaited<ReturnType<typeof checkParts>>;

  it('an uninterrupted sweep commits every marked source', async () => {
    const out = await outDir();
    const swept = await sweepPending(new OutputDir(out), { shardBytes: SHARD_BYTES });
    assert.equal(swept.committedSources, 5);
    assert.equal(swept.forgottenSources, 2, 'the partial and the broken record are left to be redone');
    assert.ok((await listParts(out, 'pending')).length >= 2, 'small shardBytes: several parts');
    reference = await checkParts(out);
  });

  for (const [step, nth] of stops) {
    it(`killed after ${step} #${nth}: the sweep leaves the same samples and rows, each once`, async () => {
      const out = await outDir();
      assert.equal(await killedSweep(out, step, nth), 'SIGKILL');
      const summary = await sweepPending(new OutputDir(out), { shardBytes: SHARD_BYTES });
      if (step !== 'manifest' && step !== 'cleanup') assert.equal(summary.removedParts.length, 1, 'the killed part was removed');
      assert.deepEqual(await checkParts(out), reference);
      const before = await snapshot(out);
      const again = await sweepPending(new OutputDir(out), { shardBytes: SHARD_BYTES });
      assert.deepEqual(again, { removedParts: [], committedSources: 0, cleanedSources: 0, forgottenSources: 0, heldSources: [], adoptedSources: 0 });
      assert.deepEqual(await snapshot(out), before, 'a second sweep changes nothing');
    });
  }

  it('a marker newer than the part holding its source (the source redone since) is committed again', async () => {
    const out = await outDir();
    const dir = new OutputDir(out);
    const failed = (await fixtureRecords(out)).find((r) => r.id === 'src-c')!;
    const { manifest } = await commitPart(dir, [failed], { shardBytes: SHARD_BYTES });
    // The writer "died" before its cleanup: put the marker back, older than the manifest.
    const { mtime } = await fs.stat(partFiles(out, manifest.part, 'pending').manifest);
    await markPending(out, 'src-c');
    await fs.utimes(path.join(out, 'pending', 'src-c'), mtime, new Date(mtime.getTime() - 1000));
    const cleaned = await sweepPending(dir, { shardBytes: SHARD_BYTES });
    assert.equal(cleaned.cleanedSources, 1);
    assert.equal(cleaned.committedSources, 4, 'the other marked sources');
    // Now the source is redone: a newer marker and record.
    await markPending(out, 'src-c');
    await fs.utimes(path.join(out, 'pending', 'src-c'), new Date(), new Date(Date.now() + 5000));
    const redone = await sweepPending(dir, { shardBytes: SHARD_BYTES });
    assert.equal(redone.committedSources, 1);
    const parts = await Promise.all((await listParts(out, 'pending')).map((id) => readManifest(out, id, 'pending')));
    assert.equal(parts.filter((p) => p!.sources.includes('src-c')).length, 2, 'the redone source is in a new part too');
    // The reduce keeps only the newer copy (see also test/pack/reduce-copies.test.ts).
    const packed = await pack(out, PackConfig.parse({ shardBytes: SHARD_BYTES }), { startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:00:10.000Z' });
    assert.equal((await checkParts(out, ['final'])).sources.filter((id) => id === 'src-c').length, 1, 'one part holds src-c');
    assert.equal((await readIndex(out))!.filter((r) => r.source_id === 'src-c').length, (await dir.readRecord('src-c'))!.clips.length, 'its rows once');
    assert.equal(packed.stats.sources.total, 5, 'src-c counted once');
  });
});

describe('records the sweep cannot use as they are', () => {
  it('leaves a record whose id is a path alone: nothing outside the output folder is deleted', async () => {
    const out = await outDir();
    const dir = new OutputDir(out);
    // <out>/clips/../../<name> is <tmp>/<name>, beside the output folder.
    const victimName = `victim-${path.basename(out)}`;
    const victim = path.join(path.dirname(out), victimName);
    await fs.mkdir(victim);
    await fs.writeFile(path.join(victim, 'precious.mp4'), 'not clipmill\'s');
    try {
      const [a] = await fixtureRecords(out);
      const forged = { ...a!, id: `../../${victimName}`, clips: [{ ...a!.clips[0]!, file: `clips/../../${victimName}/precious.mp4` }] };
      await fs.writeFile(path.join(out, 'sources', 'abc.json'), JSON.stringify(forged));
      await markPending(out, 'abc');

      const swept = await sweepPending(dir, { shardBytes: SHARD_BYTES });
      assert.equal(await fs.readFile(path.join(victim, 'precious.mp4'), 'utf8'), 'not clipmill\'s');
      assert.deepEqual(swept.heldSources.map((h) => h.id), ['abc']);
      assert.match(swept.heldSources[0]!.problem, /another source id/);
      await fs.stat(path.join(out, 'pending', 'abc')); // kept for whoever looks at it
      const parts = await Promise.all((await listParts(out, 'pending')).map((id) => readManifest(out, id, 'pending')));
      assert.ok(parts.every((p) => !p!.sources.includes(forged.id)), 'the forged record is in no part');
      await assert.rejects(releaseSource(dir, `../../${victimName}`), /not a plain file name/);
      await assert.rejects(clearPending(out, '../x'), /not a plain file name/);
      await fs.stat(path.join(victim, 'precious.mp4'));
    } finally {
      await fs.rm(victim, { recursive: true, force: true });
    }
  });

  it('keeps the marker and staged clips of a record it cannot read now, and commits the source once it can', async () => {
    const out = await outDir();
    const dir = new OutputDir(out);
    const recordFile = path.join(out, 'sources', 'src-a.json');
    const text = await fs.readFile(recordFile, 'utf8');
    // A read error that is not ENOENT, as EIO or EMFILE would be: the record path is a folder now.
    await fs.rm(recordFile);
    await fs.mkdir(recordFile);
    const first = await sweepPending(dir, { shardBytes: SHARD_BYTES });
    await fs.stat(path.join(out, 'pending', 'src-a'));
    await fs.stat(path.join(out, 'clips', 'src-a', 'src-a-0-24.mp4'));
    assert.deepEqual(first.heldSources.map((h) => h.id), ['src-a']);
    assert.equal(first.forgottenSources, 2, 'only the partial and the broken record');

    await fs.rmdir(recordFile);
    await fs.writeFile(recordFile, text);
    const second = await sweepPending(dir, { shardBytes: SHARD_BYTES });
    assert.equal(second.committedSources, 1);
    const view = await checkParts(out);
    assert.ok(view.members.some((m) => m.startsWith('src-a-0-24.mp4 ')), 'its clips are in a part');
  });
});

describe('a folder of the first layout', () => {
  const OLD_SHARD = 'shards/lt144p-16x9-d0-2/shard-000000.tar';
  /** Turns a fixture folder into one of the first layout: unmarked sources, one index.parquet (src-b-25-49 dropped, its file missing), an old shard. */
  async function firstLayout(out: string): Promise<void> {
    await fs.rm(path.join(out, 'pending'), { recursive: true });
    const rows = (await fixtureRecords(out)).flatMap(clipRows);
    dropRow(rows.find((r) => r.clip_id === 'src-b-25-49')!, 'missing_file');
    await writeIndexFile(path.join(out, 'index.parquet'), rows);
    await fs.mkdir(path.dirname(path.join(out, OLD_SHARD)), { recursive: true });
    await fs.writeFile(path.join(out, OLD_SHARD), 'a shard of the first layout');
  }

  it('has its recorded sources committed into parts, then its old shards and index.parquet removed, once', async () => {
    const out = await outDir();
    const dir = new OutputDir(out);
    await firstLayout(out);
    // A source a new run has already committed (its marker is gone) is not marked again.
    const [first] = await fixtureRecords(out);
    await commitPart(dir, [first!], { shardBytes: SHARD_BYTES });

    const oldShardAtCommit: boolean[] = [];
    const swept = await sweepPending(dir, {
      shardBytes: SHARD_BYTES,
      onStep: async (step) => {
        if (step === 'manifest') oldShardAtCommit.push(await fs.stat(path.join(out, OLD_SHARD)).then(() => true, () => false));
      },
    });
    assert.ok(oldShardAtCommit.length > 0 && oldShardAtCommit.every(Boolean), 'the old shards stay until the parts are committed');
    assert.equal(swept.adoptedSources, 4, 'the readable records but the one already in a part');
    assert.equal(swept.committedSources, 4);
    await assert.rejects(fs.stat(path.join(out, 'index.parquet')));
    const view = await checkParts(out);
    assert.deepEqual(view.sources, ['src-a', 'src-b', 'src-c', 'src-d', 'src-e']);
    assert.equal((await sweepPending(dir, { shardBytes: SHARD_BYTES })).adoptedSources, 0);
  });

  it('is refused, unchanged, when its clips/ lacks clips its old shards hold', async () => {
    const out = await outDir();
    await firstLayout(out);
    await fs.rm(path.join(out, 'clips', 'src-a'), { recursive: true }); // pruned by hand: the old shards hold the only copy
    await assert.rejects(sweepPending(new OutputDir(out), { shardBytes: SHARD_BYTES }), /lacks 3 kept clips its old shards hold \(src-a-0-24, src-a-25-49, src-a-75-137\)/);
    await fs.stat(path.join(out, OLD_SHARD));
    await fs.stat(path.join(out, 'index.parquet'));
    assert.deepEqual(await fs.readdir(path.join(out, 'pending')).catch(() => []), [], 'nothing marked');
    assert.deepEqual(await listParts(out, 'pending'), []);
  });
});

/** Every file under the folder with its size and first bytes' digest, to see that nothing changed. */
async function snapshot(out: string): Promise<string[]> {
  const entries = await fs.readdir(out, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  return Promise.all(files.sort().map(async (f) => {
    const rel = path.relative(out, f);
    if (f.endsWith('.tar')) return `${rel} ${(await readTar(f)).map((m) => m.name).join(',')}`;
    return `${rel} ${(await fs.stat(f)).size}`;
  }));
}
