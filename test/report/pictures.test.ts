/** Pictures of dropped clips, taken from their source files (made here, so each frame's colour is known). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { clipPicture } from '../../src/report/pictures.js';
import type { ClipView } from '../../src/report/dataset.js';
import type { SourceRecord } from '../../src/types.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';

const exec = promisify(execFile);
let dir: TempDir;

before(async () => {
  dir = await tempDir();
});
after(() => dir.remove());

/** The mean colour of a JPEG, as [r, g, b]. */
async function meanColour(jpeg: Buffer): Promise<number[]> {
  const file = dir.file('picture.jpg');
  await writeFile(file, jpeg);
  const { stdout } = await exec('ffmpeg', ['-nostdin', '-loglevel', 'error', '-i', file, '-vf', 'scale=1:1:flags=area', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer' });
  return [...stdout];
}

const droppedClip = (start: number, end: number) => ({ status: 'dropped', start, end }) as ClipView;
const fileSource = (uri: string) => ({ kind: 'file', uri }) as SourceRecord;

for (const ext of ['mp4', 'h264']) {
  test(`a dropped clip's picture is the frame in the middle of its span (.${ext} source)`, async () => {
    // Two seconds of red, then two of blue; a raw .h264 stream has no index to seek in.
    const video = dir.file(`red-blue.${ext}`);
    await cutVideo(video, [{ source: 'color=c=red', frames: 50 }, { source: 'color=c=blue', frames: 50 }], '160x90');
    const blue = await clipPicture(dir.path, droppedClip(2.4, 3.6), fileSource(video));
    assert.ok(blue, 'a picture of the blue shot');
    const [r, , b] = await meanColour(blue);
    assert.ok(b! > 200 && r! < 60, `blue, got ${r} ${b}`);
    const red = await clipPicture(dir.path, droppedClip(0.2, 1.4), fileSource(video));
    const [r2, , b2] = await meanColour(red!);
    assert.ok(r2! > 200 && b2! < 60, `red, got ${r2} ${b2}`);
  });
}
