/** Pictures of dropped clips, taken from their source files (made here, so each frame's colour is known). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clipPicture } from '../../src/report/pictures.js';
import type { ClipView } from '../../src/report/dataset.js';
import type { SourceRecord } from '../../src/types.js';
import { cutVideo, jpegMeanColour, tempDir, type TempDir } from '../helpers/media.js';

let dir: TempDir;

before(async () => {
  dir = await tempDir();
});
after(() => dir.remove());

const droppedClip = (start: number, end: number) => ({ status: 'dropped', start, end }) as ClipView;
const fileSource = (uri: string) => ({ kind: 'file', uri }) as SourceRecord;

for (const ext of ['mp4', 'h264']) {
  test(`a dropped clip's picture is the frame in the middle of its span (.${ext} source)`, async () => {
    // Two seconds of red, then two of blue; a raw .h264 stream has no index to seek in.
    const video = dir.file(`red-blue.${ext}`);
    await cutVideo(video, [{ source: 'color=c=red', frames: 50 }, { source: 'color=c=blue', frames: 50 }], '160x90');
    const blue = await clipPicture(dir.path, droppedClip(2.4, 3.6), fileSource(video));
    assert.ok(blue, 'a picture of the blue shot');
    const [r, , b] = await jpegMeanColour(blue);
    assert.ok(b > 200 && r < 60, `blue, got ${r} ${b}`);
    const red = await clipPicture(dir.path, droppedClip(0.2, 1.4), fileSource(video));
    const [r2, , b2] = await jpegMeanColour(red!);
    assert.ok(r2 > 200 && b2 < 60, `red, got ${r2} ${b2}`);
  });
}
