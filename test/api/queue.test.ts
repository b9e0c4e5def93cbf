/**
 * The library on a queue: a worker started in this process with a changed stage list
 * (`startWorker({ stages })`) does the jobs of `run({ queue })`, and the report carries the same
 * warnings as a local run of the same input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { run, stages, startWorker, type ClipAnnotator } from '../../src/index.js';
import { readRecords } from '../helpers/dataset.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

const CONFIG = { segment: { minClipSec: 1, maxClipSec: 4 } };
// The queued run's settings are signed with it, and the worker checks them with it.
process.env.CLIPMILL_QUEUE_SECRET ??= 'library-queue-test-secret';

const tagger: ClipAnnotator = {
  name: 'tagger',
  annotate: async (clips) => clips.map((clip) => ({ caption: `frames ${clip.startFrame}-${clip.endFrame}` })),
};

describe('library API on a queue', { timeout: 600_000 }, () => {
  let dir: TempDir;
  let redis: TestRedis;
  let video: string;
  before(async () => {
    dir = await tempDir('clipmill-api-queue-');
    redis = await startRedis();
    video = dir.file('cuts.mp4');
    await cutVideo(video, [{ source: 'testsrc2', frames: 50 }, { source: 'mandelbrot', frames: 50 }], '320x180');
  });
  after(async () => {
    await redis?.stop();
    await dir?.remove();
  });

  it('workers run the stages they were started with; the report has the local run\'s warnings', async () => {
    const local = await run({ inputs: [video], out: dir.file('local'), config: CONFIG });
    const worker = await startWorker({
      queue: redis.url, concurrency: 1, stages: (list) => [...list, stages.annotateStage(tagger)], outRoot: dir.path, allowLocal: [dir.path],
    });
    try {
      const queued = await run({ inputs: [video], out: dir.file('queued'), config: CONFIG, queue: redis.url });
      assert.equal(queued.cancelled, false);
      assert.equal(queued.counts.done, 1);
      assert.equal(queued.pack?.clipsKept, local.pack?.clipsKept);
      assert.deepEqual(queued.warnings, local.warnings);
      assert.ok(queued.warnings.length > 0, 'no use declared: the licence warning');
      const [record] = await readRecords(dir.file('queued'));
      assert.deepEqual(record!.clips.map((c) => c.caption), ['frames 0-49', 'frames 50-99']);
    } finally {
      await worker.close();
    }
  });

  it('refuses custom stages on a queued run: they belong to the workers', async () => {
    await assert.rejects(run({ inputs: [video], out: dir.file('x'), queue: redis.url, stages: (l) => l }), /startWorker/);
  });
});
