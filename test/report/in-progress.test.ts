/**
 * The dashboard on a folder a run is still writing: a kept clip is served from `clips/` while it is
 * staged, from its pending part's shard once its part is committed (even to a page whose snapshot
 * still has it staged), and from its final shard after the pack. The bytes never change.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PackConfig } from '../../src/config/schema.js';
import { pack } from '../../src/pack/index.js';
import { listParts } from '../../src/pack/index-parts.js';
import { commitPart } from '../../src/pack/part-writer.js';
import { startDashboard, type Dashboard } from '../../src/report/server.js';
import { OutputDir } from '../../src/store/output.js';
import { fixtureRecords } from '../helpers/parts.js';
import { outDirMaker } from '../pack/fixture.js';

const outDir = outDirMaker();
const CLIP = 'src-a-0-24';
const OTHER = 'src-a-25-49';
const RUN = { startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:00:10.000Z' };

describe('the dashboard while parts are committed and packed', () => {
  let dashboard: Dashboard | undefined;
  after(() => dashboard?.close());

  it('serves a kept clip and its picture from staging, its pending part and its final part', async () => {
    const out = await outDir();
    const staged = await fs.readFile(path.join(out, 'clips', 'src-a', `${CLIP}.mp4`));
    dashboard = await startDashboard({ dir: out, host: '127.0.0.1', port: 0 });
    const get = (what: string) => fetch(new URL(what, dashboard!.url));
    const clipBytes = async (): Promise<Buffer> => {
      const res = await get(`media/${CLIP}`);
      assert.equal(res.status, 200, `media/${CLIP}`);
      return Buffer.from(await res.arrayBuffer());
    };
    const pictureOf = async (id: string): Promise<void> => {
      const res = await get(`picture/${id}.jpg`);
      assert.equal(res.status, 200, `picture/${id}.jpg`);
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      assert.ok((await res.arrayBuffer()).byteLength > 0);
    };

    assert.deepEqual(await clipBytes(), staged, 'staged');
    // The part is committed right after the first request: the server's snapshot (reused for a
    // second at least) still has the clip in clips/, which is gone now.
    await commitPart(new OutputDir(out), await fixtureRecords(out), { shardBytes: 1024 ** 3 });
    await assert.rejects(fs.stat(path.join(out, 'clips', 'src-a')), 'the staged clips left for the part');
    assert.equal((await listParts(out, 'pending')).length, 1);
    assert.deepEqual(await clipBytes(), staged, 'in the pending part');
    await pictureOf(OTHER);

    await pack(out, PackConfig.parse({ shardBytes: 1024 ** 3 }), RUN);
    assert.deepEqual(await listParts(out, 'pending'), []);
    assert.deepEqual(await clipBytes(), staged, 'in the final part');
    await pictureOf(CLIP);
  });
});
