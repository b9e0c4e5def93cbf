import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PackConfig } from '../../src/config/schema.js';
import { openDuplicateIndex } from '../../src/pack/duplicate-index.js';
import { pack, readIndex } from '../../src/pack/index.js';
import { listParts } from '../../src/pack/index-parts.js';
import { commitPart } from '../../src/pack/part-writer.js';
import { decideVerdicts } from '../../src/pack/reduce-verdicts.js';
import { clipRows } from '../../src/pack/rows.js';
import { OutputDir } from '../../src/store/output.js';
import { checkParts, fixtureRecords } from '../helpers/parts.js';
import { outDirMaker, RECORDS } from './fixture.js';

const outDir = outDirMaker();
const SHARD_BYTES = 1500;
const RUN = { startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:01:40.000Z' };
const reduce = (out: string, batchParts?: number) => pack(out, PackConfig.parse({ shardBytes: SHARD_BYTES }), RUN, { duplicateIndex: () => openDuplicateIndex(out), batchParts });

/** Commits src-a once more, as a worker that did it again would: its clip files staged again first. */
async function commitAgain(out: string, saved: string): Promise<void> {
  await fs.cp(saved, path.join(out, 'clips', 'src-a'), { recursive: true });
  const a = (await fixtureRecords(out)).find((r) => r.id === 'src-a')!;
  await commitPart(new OutputDir(out), [a], { shardBytes: SHARD_BYTES });
}

async function withSavedClips(out: string): Promise<string> {
  const saved = `${out}-src-a-clips`;
  await fs.cp(path.join(out, 'clips', 'src-a'), saved, { recursive: true });
  return saved;
}

/** The dataset holds src-a once: one part lists it, its rows once, the tars once, five sources counted. */
async function assertOneCopy(out: string, stats: { sources: { total: number } }): Promise<void> {
  const view = await checkParts(out, ['final']); // asserts every source in one part and the tars as their rows say
  assert.equal(view.sources.filter((id) => id === 'src-a').length, 1);
  const rows = (await readIndex(out))!.filter((r) => r.source_id === 'src-a');
  assert.deepEqual(rows.map((r) => r.clip_id).sort(), RECORDS[0].clips.map((c) => c.clipId).sort(), 'each row of src-a once');
  assert.equal(stats.sources.total, 5, 'src-a counted once (src-a..src-e)');
  assert.equal((await listParts(out, 'pending')).length, 0);
}

describe('one part per source', () => {
  it('a source in two pending parts keeps only the newer copy', async () => {
    const out = await outDir();
    const saved = await withSavedClips(out);
    await commitAgain(out, saved);
    await commitAgain(out, saved);
    const summary = await reduce(out);
    await assertOneCopy(out, summary.stats);
    assert.equal(summary.duplicates, 0, 'the second copy is not a near-duplicate of the first');
  });

  it('reduced one part at a time (bounded batches), the older copy is taken out of the part the first batch made final', async () => {
    const out = await outDir();
    const saved = await withSavedClips(out);
    await commitAgain(out, saved);
    await commitAgain(out, saved);
    const summary = await reduce(out, 1);
    await assertOneCopy(out, summary.stats);
  });

  it('a source final in one part and committed again later is taken out of the older, final part', async () => {
    const out = await outDir();
    const saved = await withSavedClips(out);
    await reduce(out);
    await commitAgain(out, saved);
    const summary = await reduce(out);
    await assertOneCopy(out, summary.stats);
    assert.equal(summary.stats.throughput.sources_per_sec, 1 / 100, 'throughput of this append (one source in 100 s), not of the whole dataset');
    const again = await reduce(out);
    assert.equal(again.stats.sources.total, 5, 'a pack with nothing pending changes nothing');
  });
});

describe('verdicts against clips taken down since', () => {
  const b = RECORDS[1];
  const index = (original: string) => ({
    findDuplicates: async () => new Map([['src-b-0-24', original]]),
    add: async () => {},
    close: async () => {},
  });
  it('a copy of a final clip is dropped, a copy of a taken-down clip kept', async () => {
    const live = await decideVerdicts(clipRows(b), { takenDown: new Set(), duplicateIndex: index('src-a-0-24') });
    assert.deepEqual([...live.dropped], ['src-b-0-24']);
    const rows = clipRows(b);
    const gone = await decideVerdicts(rows, { takenDown: new Set(['src-a']), duplicateIndex: index('src-a-0-24') });
    assert.deepEqual([...gone.dropped], [], 'the original was taken down: the new copy is the one kept');
    assert.equal(rows.find((r) => r.clip_id === 'src-b-0-24')!.status, 'kept');
  });
});
