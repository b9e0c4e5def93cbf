/**
 * The short decodes of a written clip (frames for caption and embedding models, the packed
 * thumbnail, the report's picture) must give the same pixels every time. A clip extracted with
 * stream copy keeps its source's Theora stream, and ffmpeg 5.1's threaded Theora decoder corrupts
 * a few blocks differently on each run.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { clipJpegFrames, clipRgbFrames } from '../../src/annotate/clip-frames.js';
import type { ClipView } from '../../src/report/dataset.js';
import { clipPicture } from '../../src/report/pictures.js';
import { makeThumbnail } from '../../src/media/thumbnail.js';
import type { SourceRecord } from '../../src/types.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

const FPS = 25;
const FRAMES = 6 * FPS;
/** Six decodes of this clip on ffmpeg's default threads gave four different results. */
const RUNS = 6;

let dir: TempDir;
let clip: string;

before(async () => {
  dir = await tempDir();
  clip = dir.file('theora.mkv');
  await ffmpeg(['-f', 'lavfi', '-i', `testsrc2=s=320x240:r=${FPS}:d=6,noise=alls=20:allf=t`, '-c:v', 'libtheora', '-q:v', '6', '-g', '300', clip]);
});
after(() => dir.remove());

const md5 = (bytes: Buffer | Buffer[]) => createHash('md5').update(Buffer.concat([bytes].flat())).digest('hex');

async function hashesOfRuns(decode: () => Promise<Buffer | Buffer[]>): Promise<string[]> {
  const hashes: string[] = [];
  for (let run = 0; run < RUNS; run++) hashes.push(md5(await decode()));
  return hashes;
}

test('RGB frames of a Theora clip for an embedding model are the same on every run', async () => {
  const hashes = await hashesOfRuns(async () => (await clipRgbFrames(clip, { frameCount: FRAMES, count: 6, width: 64, height: 64 })).data);
  assert.deepEqual(hashes, hashes.map(() => hashes[0]));
});

test('JPEG frames of a Theora clip for a caption model are the same on every run', async () => {
  const hashes = await hashesOfRuns(() => clipJpegFrames(clip, { frameCount: FRAMES, count: 6, width: 320 }));
  assert.deepEqual(hashes, hashes.map(() => hashes[0]));
});

test('the thumbnail of a Theora clip is the same on every run', async () => {
  const hashes = await hashesOfRuns(() => makeThumbnail(clip));
  assert.deepEqual(hashes, hashes.map(() => hashes[0]));
});

test("the report's pictures of dropped clips of a Theora source are the same on every run", async () => {
  const spans: [number, number][] = [[0.5, 1.5], [1.5, 2.5], [2, 3], [3, 4], [4, 5.5], [5, 6]];
  const source = { kind: 'file', uri: clip } as SourceRecord;
  const hashes = await hashesOfRuns(async () => {
    const pictures: Buffer[] = [];
    for (const [start, end] of spans) {
      const jpeg = await clipPicture(dir.path, { status: 'dropped', start, end } as ClipView, source);
      assert.ok(jpeg, `a picture was made of ${start}-${end} s`);
      pictures.push(jpeg);
    }
    return pictures;
  });
  assert.deepEqual(hashes, hashes.map(() => hashes[0]));
});
