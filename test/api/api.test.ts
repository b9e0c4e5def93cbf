/**
 * The library API as a program uses it: `run` over a generated video with settings given as an
 * object, `inspect` of the same video, and `pack` again from the records.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { inspect, pack, run, type SampleWriter, type ShardInput, type WrittenShard } from '../../src/index.js';
import { listShards, queryIndex, readRecords } from '../helpers/dataset.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';

describe('library API', () => {
  let dir: TempDir;
  let video: string;
  before(async () => {
    dir = await tempDir('clipmill-api-');
    video = dir.file('cuts.mp4');
    await cutVideo(video, [{ source: 'testsrc2', frames: 60 }, { source: 'mandelbrot', frames: 75 }], '320x180');
  });
  after(async () => dir.remove());

  it('inspect finds the shots of a video', async () => {
    const result = await inspect(video);
    assert.equal(result.frames, 135);
    assert.deepEqual(result.shots.map((s) => [s.startFrame, s.endFrame]), [[0, 59], [60, 134]]);
  });

  it('run makes a dataset and reports what the CLI prints; pack again changes nothing', async () => {
    const out = dir.file('out');
    const report = await run({ inputs: [video], out, config: { segment: { minClipSec: 1, maxClipSec: 4 } } });
    assert.equal(report.cancelled, false);
    assert.equal(report.counts.done, 1);
    assert.equal(report.pack?.clipsKept, 2);
    assert.equal(report.pack?.shards, (await listShards(out)).length);
    assert.ok(report.warnings.some((w) => w.startsWith('No intended use was declared')), report.warnings.join('\n'));
    const [record] = await readRecords(out);
    assert.deepEqual(record!.clips.map((c) => c.status), ['kept', 'kept']);

    const again = await pack(out);
    assert.deepEqual(again, report.pack);
  });

  it('run takes another sample writer: one class with write and close', async () => {
    const out = dir.file('jsonl');
    const report = await run({ inputs: [video], out, config: { segment: { minClipSec: 1, maxClipSec: 4 } }, makeWriter: (root, opts) => new JsonlWriter(root, opts.partId) });
    assert.equal(report.pack?.shards, 1);
    assert.deepEqual(await listShards(out), [], 'no WebDataset shard was written');
    const index = await queryIndex(out, (t) => `SELECT DISTINCT shard FROM ${t}`);
    assert.equal(index.length, 1);
    const file = index[0]!.shard as string;
    assert.match(file, /^samples-.+\.jsonl$/, 'one file of the part, named after it');
    const lines = (await readFile(path.join(out, file), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { clip_id: string; file: string });
    const [record] = await readRecords(out);
    assert.deepEqual(lines.map((l) => l.clip_id), record!.clips.map((c) => c.clipId));
    assert.deepEqual(await pack(out), report.pack, 'a pack after the run has nothing left to write');
  });

  it('rejects a misspelt setting with the field named', async () => {
    await assert.rejects(run({ inputs: [video], out: dir.file('bad'), config: { segment: { maxClip: 4 } } }), /segment/);
  });
});

/** A second output format: one JSON line per kept clip, in one file per part. */
class JsonlWriter implements SampleWriter {
  private lines: string[] = [];
  private readonly name: string;
  constructor(private readonly root: string, partId: string) {
    this.name = `samples-${partId}.jsonl`;
  }
  async write(sample: ShardInput): Promise<void> {
    sample.row.shard = this.name;
    this.lines.push(JSON.stringify({ clip_id: sample.row.clip_id, file: sample.row.file }));
  }
  async close(): Promise<WrittenShard[]> {
    const body = this.lines.join('\n') + '\n';
    await writeFile(path.join(this.root, this.name), body);
    return [{ path: this.name, bucket: 'all', clips: this.lines.length, bytes: Buffer.byteLength(body), sha256: '' }];
  }
  async abort(): Promise<void> {}
}
