/**
 * Content-mix targets on a queued run: sources whose metadata predicts a category below its
 * target are processed first (BullMQ priorities), by a real worker on a real Redis.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { enqueueRun, runIdFor } from '../../src/executors/bullmq.js';
import { AFTER, FIRST, mixPriority } from '../../src/pack/mix-priority.js';
import type { Source } from '../../src/types.js';
import { startCli } from '../helpers/cli.js';
import { readRecords } from '../helpers/dataset.js';
import { lavfiVideo, tempDir, type TempDir } from '../helpers/media.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

const SECRET = 'mix-priority-test-secret';
const source = (metadata: Record<string, unknown>): Source => ({ id: 'x', uri: '/x.mp4', kind: 'file', metadata, origin: { input: 't' } });

describe('content-mix priority of queued sources', () => {
  let dir: TempDir;
  let redis: TestRedis;
  before(async () => {
    dir = await tempDir();
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
    await dir?.remove();
  });

  it('puts sources of a category below its target first, the others after; nothing without targets', async () => {
    const cfg = await loadConfig(undefined, { pack: { mix: { targets: { driving: 0.5, animals: 0.2 } } } });
    assert.equal(mixPriority(source({ category: 'driving' }), cfg), FIRST);
    assert.equal(mixPriority(source({ category: 'sports' }), cfg), AFTER, 'no target');
    assert.equal(mixPriority(source({}), cfg), AFTER, 'no prediction');
    assert.equal(mixPriority(source({ category: 'driving' }), cfg, { driving: 0.6 }), AFTER, 'already over its target');
    assert.equal(mixPriority(source({ tags: ['dashcam'] }), cfg, { driving: 0.3 }), FIRST, 'predicted from tags, still under');
    assert.equal(mixPriority(source({ category: 'driving' }), await loadConfig(undefined, {})), undefined);
  });

  it('a worker takes the under-filled category first, whatever the manifest order', async () => {
    await mkdir(dir.file('in'));
    const rows = ['path,category'];
    const categories = ['sports', 'sports', 'driving', 'driving'];
    for (const [i, category] of categories.entries()) {
      await lavfiVideo(dir.file(`in/v${i}.mp4`), `testsrc2=s=160x90:r=25`, 1);
      rows.push(`${dir.file(`in/v${i}.mp4`)},${category}`);
    }
    await writeFile(dir.file('m.csv'), rows.join('\n') + '\n');
    const cfg = await loadConfig(undefined, { pack: { mix: { targets: { driving: 0.5 } } } });
    const outDir = dir.file('out');
    process.env.CLIPMILL_QUEUE_SECRET = SECRET;
    // Every job is in Redis before any worker runs, so the order is the queue's, not the manifest's.
    const enqueued = await enqueueRun({ queueUrl: redis.url, runId: runIdFor(outDir), inputs: [dir.file('m.csv')], outDir, cfg });
    assert.equal(enqueued.enqueued, 4);
    const worker = startCli(['worker', '--queue', redis.url, '--concurrency', '1', '--out-root', dir.path, '--allow-local', dir.file('in')], { CLIPMILL_QUEUE_SECRET: SECRET });
    try {
      for (let waited = 0; (await readRecords(outDir).catch(() => [])).length < 4; waited += 200) {
        assert.ok(waited < 300_000, 'the worker did not finish the run');
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
    const order = (await readRecords(outDir)).sort((a, b) => a.startedAt.localeCompare(b.startedAt)).map((r) => r.metadata.category);
    assert.deepEqual(order, ['driving', 'driving', 'sports', 'sports']);
  });
});
