/**
 * The reduce killed anywhere: a real child process runs pack() and SIGKILLs itself right after a
 * step (a part made final, its signatures added, its pending files removed, the totals), then a
 * pack in this process finishes the job. The dataset must come out as an uninterrupted pack
 * makes it: the same tar bytes, the same rows and verdicts, the same totals, nothing counted twice.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PackConfig } from '../../src/config/schema.js';
import { openDuplicateIndex } from '../../src/pack/duplicate-index.js';
import { pack, readIndex } from '../../src/pack/index.js';
import { outDirMaker, RECORDS, signature } from './fixture.js';

const RUN = { startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:01:40.000Z' };
/** One part per source, so a kill can fall between the parts of one reduce. */
const SHARD_BYTES = 1;
const CHILD = fileURLToPath(new URL('../helpers/reduce-child.ts', import.meta.url));
const outDir = outDirMaker();

/** The fixture with pixel signatures: src-a-25-49 is a near-copy of src-a-0-24, so the reduce rewrites a tar. */
async function withSignatures(out: string): Promise<void> {
  const a = structuredClone(RECORDS.find((r) => r.id === 'src-a')!);
  const seeds: Record<string, [number, number]> = { 'src-a-0-24': [1, 0], 'src-a-25-49': [1, 5], 'src-a-75-137': [2, 0] };
  for (const clip of a.clips) if (clip.status === 'kept') clip.signature = signature(...seeds[clip.clipId]!);
  await fs.writeFile(path.join(out, 'sources/src-a.json'), JSON.stringify(a));
}

const reduce = (out: string) => pack(out, PackConfig.parse({ shardBytes: SHARD_BYTES }), RUN, { duplicateIndex: () => openDuplicateIndex(out) });

function killedChild(out: string, step: string, nth: number): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD, out, String(SHARD_BYTES), step, String(nth)]);
    child.on('exit', (_code, signal) => resolve(signal));
  });
}

/** What must not depend on a crash: tar bytes, rows (without the part-named shard path), stats and totals. */
async function dataset(out: string) {
  const tars: string[] = [];
  for (const e of await fs.readdir(path.join(out, 'shards'), { recursive: true, withFileTypes: true })) {
    if (e.isFile()) tars.push(createHash('sha256').update(await fs.readFile(path.join(e.parentPath, e.name))).digest('hex'));
  }
  const rows = ((await readIndex(out)) ?? []).map(({ shard, ...row }) => ({ ...row, inShard: shard !== null })).sort((x, y) => (x.clip_id < y.clip_id ? -1 : 1));
  const stats = JSON.parse(await fs.readFile(path.join(out, 'stats.json'), 'utf8'));
  stats.sources.unreadable = undefined; // the records the last pack could not read: the killed one saw them
  const { tallies } = JSON.parse(await fs.readFile(path.join(out, 'index/totals.json'), 'utf8'));
  const left = await fs.readdir(path.join(out, 'index/pending')).catch(() => []);
  return { tars: tars.sort(), rows, stats, tallies, left };
}

test('a reduce killed after any step is finished by the next pack, as if it had never stopped', { timeout: 600_000 }, async () => {
  const clean = await outDir();
  await withSignatures(clean);
  const summary = await reduce(clean);
  assert.equal(summary.duplicates, 1, 'the fixture makes the reduce drop one clip');
  assert.ok(summary.parts.length >= 2, 'more than one part, so a kill can fall between them');
  const expected = await dataset(clean);
  assert.deepEqual(expected.left, []);

  for (const [step, nth] of [['final', 1], ['final', 2], ['signatures', 1], ['signatures', 2], ['cleanup', 1], ['totals', 1]] as const) {
    const out = await outDir();
    await withSignatures(out);
    assert.equal(await killedChild(out, step, nth), 'SIGKILL', `the child reached ${step} #${nth}`);
    await reduce(out);
    assert.deepEqual(await dataset(out), expected, `killed after ${step} #${nth}`);
  }
});
