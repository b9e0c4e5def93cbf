/**
 * The sharded record store: where records are written, the old flat layout read and resumed,
 * a listing order that does not depend on the directory, and many records listed and summed up.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode } from '../../src/errors.js';
import { readSourceRecords, type SkippedRecord } from '../../src/pack/records.js';
import { loadDataset } from '../../src/report/dataset.js';
import { OutputDir } from '../../src/store/output.js';
import { recordRelPath, RecordStore, retryRelPath } from '../../src/store/record-store.js';
import type { SourceRecord } from '../../src/types.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, type TempDir } from '../helpers/media.js';

const record = (id: string, over: Partial<SourceRecord> = {}): SourceRecord => ({
  version: 1, id, uri: `https://example.test/${id}.mp4`, kind: 'http', status: 'done', origin: { input: 'list.txt' },
  metadata: {}, clips: [], timings: {}, startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:00:01.000Z', ...over,
});
const transientFailure = (id: string) =>
  record(id, { status: 'failed', error: { code: ErrorCode.NetworkError, message: 'reset', transient: true } });

const exists = (file: string) => stat(file).then(() => true, () => false);

/** Writes a record file by hand, as an older version (flat) or another tool would. */
async function writeRaw(root: string, rel: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), typeof value === 'string' ? value : JSON.stringify(value));
}

async function listed(root: string): Promise<{ ids: string[]; skipped: SkippedRecord[] }> {
  const ids: string[] = [];
  const skipped: SkippedRecord[] = [];
  for await (const r of readSourceRecords(root, (s) => skipped.push(s))) ids.push(r.id);
  return { ids, skipped };
}

describe('record store', () => {
  let dir: TempDir;
  const fresh = async (name: string) => {
    dir ??= await tempDir('clipmill-records-');
    const root = dir.file(name);
    await mkdir(root);
    return root;
  };
  after(() => dir?.remove());

  it('writes each record into the folder of its id prefix, and a retry marker only beside a transient failure', async () => {
    const root = await fresh('sharded');
    const out = new OutputDir(root);
    await out.prepare();
    await out.writeRecord(record('0123456789abcdef'));
    await out.writeRecord(transientFailure('01ffffffffffffff'));
    await out.writeRecord(record('fe00000000000000', { status: 'refused' }));

    assert.deepEqual((await readdir(path.join(root, 'sources'))).sort(), ['01', 'fe']);
    assert.deepEqual((await readdir(path.join(root, 'sources', '01'))).sort(), ['0123456789abcdef.json', '01ffffffffffffff.json', '01ffffffffffffff.retry']);
    assert.equal(recordRelPath('0123456789abcdef'), 'sources/01/0123456789abcdef.json');
    assert.equal((await out.readRecord('fe00000000000000'))?.status, 'refused');
    assert.equal(await out.records.isFinished('0123456789abcdef'), true);
    assert.equal(await out.records.isFinished('01ffffffffffffff'), false, 'a transient failure is retried');
    assert.equal(await out.records.isFinished('fe00000000000000'), true);
    assert.equal(await out.records.isFinished('aa00000000000000'), false, 'no record');

    // The retry succeeds: its marker goes.
    await out.writeRecord(record('01ffffffffffffff'));
    assert.equal(await exists(path.join(root, retryRelPath('01ffffffffffffff'))), false);
    assert.equal(await out.records.isFinished('01ffffffffffffff'), true);
    // A marker left by a crash right after a final record was written does not make the source undone.
    await writeFile(path.join(root, retryRelPath('0123456789abcdef')), '');
    assert.equal(await out.records.isFinished('0123456789abcdef'), true);

    assert.deepEqual((await listed(root)).ids, ['0123456789abcdef', '01ffffffffffffff', 'fe00000000000000']);
  });

  it('reads the old flat layout: records listed, finished ones skipped by resume, a rewrite moves a record to its shard', async () => {
    const root = await fresh('flat');
    await writeRaw(root, 'sources/aa00000000000001.json', record('aa00000000000001'));
    await writeRaw(root, 'sources/bb00000000000002.json', transientFailure('bb00000000000002'));
    await writeRaw(root, 'sources/cc00000000000003.json', record('cc00000000000003', { status: 'refused' }));
    await writeRaw(root, 'sources/dd00000000000004.json.4242.0a1b2c3d.tmp', '{"version":1,');
    await writeRaw(root, 'sources/ee00000000000005.json', '{"version":1,');
    // A newer version added a sharded record next to them.
    const out = new OutputDir(root);
    await out.writeRecord(record('ab00000000000009'));

    const { ids, skipped } = await listed(root);
    assert.deepEqual(ids, ['aa00000000000001', 'ab00000000000009', 'bb00000000000002', 'cc00000000000003']);
    assert.deepEqual(skipped.map((s) => [s.file, s.reason]), [
      ['sources/dd00000000000004.json.4242.0a1b2c3d.tmp', 'partial'],
      ['sources/ee00000000000005.json', 'unreadable'],
    ]);
    const dashboard = await loadDataset(root);
    assert.deepEqual(dashboard.records.map((r) => r.id), ids, 'the dashboard and report see the same records');
    assert.equal(await out.records.isFinished('aa00000000000001'), true);
    assert.equal(await out.records.isFinished('bb00000000000002'), false, 'a flat transient failure is retried');
    assert.equal(await out.records.isFinished('cc00000000000003'), true);
    assert.equal(await out.records.isFinished('ee00000000000005'), false, 'an unreadable record is redone');

    // The retried source's new record goes to its shard folder, and the flat file goes.
    await out.writeRecord(record('bb00000000000002'));
    assert.equal(await exists(path.join(root, 'sources/bb00000000000002.json')), false);
    assert.equal((await new RecordStore(root).read('bb00000000000002'))?.status, 'done');
    assert.equal(await new OutputDir(root).records.isFinished('bb00000000000002'), true);

    // A crash between writing the sharded record and removing the flat one: the sharded one counts, once.
    await writeRaw(root, 'sources/aa00000000000001.json', record('aa00000000000001', { status: 'refused' }));
    await writeRaw(root, recordRelPath('aa00000000000001'), record('aa00000000000001'));
    assert.equal((await new RecordStore(root).read('aa00000000000001'))?.status, 'done');
    assert.deepEqual((await listed(root)).ids, ['aa00000000000001', 'ab00000000000009', 'bb00000000000002', 'cc00000000000003']);
  });

  it('lists in the same order whatever order the files were made in, flat and sharded mixed', async () => {
    const ids = ['-x', '0a9', '_y', 'a', 'aa', 'ab0', 'ab1', 'b', 'ba', 'f0', 'zz9'];
    const orders = [ids, [...ids].reverse(), [...ids.slice(5), ...ids.slice(0, 5)]];
    const seen: string[][] = [];
    for (const [n, order] of orders.entries()) {
      const root = await fresh(`order-${n}`);
      for (const [i, id] of order.entries()) {
        // Every other one in the flat layout, and which ones differs between the folders.
        const rel = (i + n) % 2 === 0 ? `sources/${id}.json` : recordRelPath(id);
        await writeRaw(root, rel, record(id));
      }
      seen.push((await listed(root)).ids);
    }
    assert.deepEqual(seen[0], ['-x', '0a9', '_y', 'a', 'aa', 'ab0', 'ab1', 'b', 'ba', 'f0', 'zz9']);
    for (const s of seen) assert.deepEqual(s, seen[0]);
  });

  it('refuses a record that lies outside the folder of its id', async () => {
    const root = await fresh('misplaced');
    await writeRaw(root, 'sources/cd/ab00000000000001.json', record('ab00000000000001'));
    await writeRaw(root, 'sources/ab/ab00000000000002.json', record('../../x'));
    const { ids, skipped } = await listed(root);
    assert.deepEqual(ids, []);
    assert.deepEqual(skipped.map((s) => [s.file, s.reason]), [
      ['sources/ab/ab00000000000002.json', 'unreadable'],
      ['sources/cd/ab00000000000001.json', 'unreadable'],
    ]);
  });

  it('lists 20,000 records and `status` counts them', { timeout: 600_000 }, async () => {
    const root = await fresh('many');
    const out = new OutputDir(root);
    await out.prepare();
    const COUNT = 20_000;
    const ids = Array.from({ length: COUNT }, (_, i) => i.toString(16).padStart(4, '0').repeat(4));
    // Written directly (not through the store), in batches, like a large run leaves them.
    for (let i = 0; i < COUNT; i += 500) {
      await Promise.all(
        ids.slice(i, i + 500).map((id, j) => {
          const r = (i + j) % 10 === 0 ? record(id, { status: 'failed', error: { code: ErrorCode.HttpNotFound, message: 'gone', transient: false } }) : record(id);
          return writeRaw(root, recordRelPath(id), r);
        }),
      );
    }
    let n = 0;
    let previous = '';
    for await (const r of readSourceRecords(root)) {
      assert.ok(r.id > previous, 'in id order');
      previous = r.id;
      n++;
    }
    assert.equal(n, COUNT);
    assert.equal(await out.records.isFinished(ids[123]!), true);

    const status = await runCli(['status', root, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const summary = JSON.parse(status.stdout) as { sources: { total: number; done: number; failed: number } };
    assert.deepEqual([summary.sources.total, summary.sources.done, summary.sources.failed], [COUNT, COUNT * 0.9, COUNT * 0.1]);
  });
});
