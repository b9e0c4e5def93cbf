import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { ExtractConfig } from '../../src/config/schema.js';
import { ErrorCode, SourceError } from '../../src/errors.js';
import { extractClips, type ExtractSpan, type ExtractedClip } from '../../src/media/extract.js';
import { FFPROBE, runTool } from '../../src/media/ffmpeg.js';
import { readFrames } from '../../src/media/frames.js';
import { probe } from '../../src/media/probe.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

const CMP = { width: 48, height: 32 };

interface Decoded {
  pixels: Buffer[];
  times: number[];
}

/** Every frame at a small comparison size, with the frame reader's indices and times. */
async function decode(file: string): Promise<Decoded> {
  const out: Decoded = { pixels: [], times: [] };
  for await (const f of readFrames(file, CMP)) {
    out.pixels.push(Buffer.from(f.data));
    out.times.push(f.time);
  }
  return out;
}

const diff = (a: Buffer, b: Buffer) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
};

/** The clip frame must match source frame `index` within re-encoding tolerance and better than either neighbour. */
function assertSameFrame(clipFrame: Buffer, src: Decoded, index: number, what: string): void {
  const own = diff(clipFrame, src.pixels[index]);
  assert.ok(own < 6, `${what}: differs from source frame ${index} by ${own.toFixed(2)}`);
  for (const n of [index - 1, index + 1]) {
    if (n < 0 || n >= src.pixels.length) continue;
    const other = diff(clipFrame, src.pixels[n]);
    assert.ok(own < other, `${what}: closer to source frame ${n} (${other.toFixed(2)}) than to ${index} (${own.toFixed(2)})`);
  }
}

function spansOf(src: Decoded, ranges: [number, number][]): ExtractSpan[] {
  const end = (i: number) => (i + 1 < src.times.length ? src.times[i + 1] : src.times[i] + (src.times[i] - src.times[i - 1]));
  return ranges.map(([a, b]) => ({ clipId: `clip-${a}-${b}`, startFrame: a, endFrame: b, startTime: src.times[a], endTime: end(b) }));
}

/** Extracts the spans and checks every clip's frame count and its first and last frames against the source. */
async function checkExact(dir: TempDir, file: string, ranges: [number, number][], cfg: Partial<ExtractConfig> = {}): Promise<ExtractedClip[]> {
  const src = await decode(file);
  const spans = spansOf(src, ranges);
  const clips = await extractClips(file, await probe(file), spans, dir.file(`out-${ranges[0][0]}`), ExtractConfig.parse(cfg));
  assert.equal(clips.length, spans.length);
  for (const [k, clip] of clips.entries()) {
    const span = spans[k];
    const got = await decode(clip.file);
    const frames = span.endFrame - span.startFrame + 1;
    assert.equal(got.pixels.length, frames, `${clip.clipId}: frame count`);
    assert.equal(clip.frames, frames);
    // WebM cannot store the Opus priming as negative time, so its video may start one priming later.
    const startSlack = clip.file.endsWith('.webm') && cfg.keepAudio ? 0.02 : 1e-3;
    assert.ok(Math.abs(got.times[0]) < startSlack, `${clip.clipId}: starts at ${got.times[0]}, not 0`);
    assertSameFrame(got.pixels[0], src, span.startFrame, `${clip.clipId} first frame`);
    assertSameFrame(got.pixels[frames - 1], src, span.endFrame, `${clip.clipId} last frame`);
  }
  return clips;
}

async function streams(file: string): Promise<{ codec_type: string; codec_name: string; width?: number; height?: number; duration?: string; side_data_list?: unknown[] }[]> {
  const res = await runTool(FFPROBE, ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,width,height,duration:stream_side_data', '-of', 'json', file]);
  return (JSON.parse(res.stdout.toString()) as { streams: [] }).streams;
}

const SRC = 'testsrc2=s=160x90';

describe('extractClips', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(async () => dir.remove());

  test('CFR 25: exact first/last frames and counts, adjacent and separated clips, no temp files left', async () => {
    const file = dir.file('cfr25.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', `${SRC}:r=25:d=4`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
    const clips = await checkExact(dir, file, [[3, 27], [28, 52], [70, 99]]);
    const names = await readdir(dir.file('out-3'));
    assert.deepEqual(names.sort(), clips.map((c) => `${c.clipId}.mp4`).sort());
    assert.equal(clips[0].snappedToKeyframes, false);
  });

  test('NTSC 30000/1001', async () => {
    const file = dir.file('ntsc.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', `${SRC}:r=30000/1001:d=3`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
    await checkExact(dir, file, [[5, 40], [41, 70]]);
  });

  test('variable frame rate', async () => {
    const file = dir.file('vfr.mp4');
    // 30 fps for the first second, then every third frame: 10 fps.
    await ffmpeg(['-f', 'lavfi', '-i', `${SRC}:r=30:d=4`, '-vf', "select='lt(n,30)+not(mod(n,3))'", '-fps_mode', 'vfr',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
    assert.ok((await probe(file)).video.variableFrameRate);
    await checkExact(dir, file, [[20, 35], [36, 50]]);
  });

  test('long open GOP with B-frames', async () => {
    const file = dir.file('longgop.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', `${SRC}:r=25:d=5`, '-c:v', 'libx264', '-preset', 'medium', '-g', '250', '-bf', '3',
      '-x264-params', 'open_gop=1:scenecut=0', '-pix_fmt', 'yuv420p', file]);
    await checkExact(dir, file, [[37, 61], [90, 111]]);
  });

  test('MPEG-TS starting at 1.4 s, with audio kept', async () => {
    const file = dir.file('offset.ts');
    await ffmpeg(['-f', 'lavfi', '-i', `${SRC}:r=25:d=3`, '-f', 'lavfi', '-i', 'sine=f=440:d=3', '-c:v', 'libx264', '-preset', 'ultrafast',
      '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-output_ts_offset', '1.4', '-f', 'mpegts', file]);
    const clips = await checkExact(dir, file, [[10, 30], [40, 64]], { keepAudio: true });
    for (const clip of clips) {
      const [v, a] = [(await streams(clip.file)).find((s) => s.codec_type === 'video'), (await streams(clip.file)).find((s) => s.codec_type === 'audio')];
      assert.equal(a?.codec_name, 'aac');
      assert.ok(Math.abs(Number(a?.duration) - Number(v?.duration)) < 0.05, `audio ${a?.duration} vs video ${v?.duration}`);
    }
  });

  test('audio dropped by default; VP9 in WebM with Opus', async () => {
    const file = dir.file('av.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', `${SRC}:r=25:d=2`, '-f', 'lavfi', '-i', 'sine=f=300:d=2', '-c:v', 'libx264', '-preset', 'ultrafast',
      '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file]);
    const [plain] = await checkExact(dir, file, [[5, 20]]);
    assert.deepEqual((await streams(plain.file)).map((s) => s.codec_type), ['video']);
    const webm = await checkExact(dir, file, [[10, 30], [31, 45]], { codec: 'vp9', keepAudio: true, crf: 10 });
    assert.ok(webm[0].file.endsWith('.webm'));
    assert.deepEqual((await streams(webm[0].file)).map((s) => s.codec_name), ['vp9', 'opus']);
  });

  test('odd size becomes even; maxHeight and maxFps cap', async () => {
    const odd = dir.file('odd.mkv');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=321x181:r=50:d=2', '-c:v', 'ffv1', odd]);
    const [full] = await checkExact(dir, odd, [[0, 20]]);
    assert.deepEqual([full.width, full.height], [320, 180]);
    const src = await decode(odd);
    const [capped] = await extractClips(odd, await probe(odd), spansOf(src, [[10, 59]]), dir.file('capped'),
      ExtractConfig.parse({ maxHeight: 90, maxFps: 25 }));
    assert.deepEqual([capped.width, capped.height], [160, 90]);
    const got = await decode(capped.file);
    assert.equal(got.pixels.length, 25);
    assert.equal(capped.frames, 25);
    assert.ok(Math.abs(capped.fps - 25) < 1e-9);
    assert.ok(Math.abs(got.times[1] - 0.04) < 1e-3, `second frame at ${got.times[1]}`);
    assertSameFrame(got.pixels[0], src, 10, 'capped first frame');
  });

  test('rotation metadata: a phone video comes out upright', async () => {
    const stored = dir.file('phone-stored.mp4');
    const file = dir.file('phone.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', `${SRC}:r=25:d=2`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', stored]);
    // ffmpeg 5.1 turns the rotate tag into a display matrix only when remuxing.
    await ffmpeg(['-i', stored, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', file]);
    const p = await probe(file);
    assert.deepEqual([p.video.width, p.video.height], [90, 160]);
    const [clip] = await checkExact(dir, file, [[5, 30]]);
    assert.deepEqual([clip.width, clip.height], [90, 160]);
    const [v] = await streams(clip.file);
    assert.deepEqual([v.width, v.height], [90, 160]);
    assert.ok(!v.side_data_list?.length, 'no rotation left in the output');
  });

  test('crop removes letterbox bars', async () => {
    const file = dir.file('letterbox.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x136:r=25:d=2', '-vf', 'pad=320:180:0:22:black', '-c:v', 'libx264', '-preset', 'ultrafast',
      '-pix_fmt', 'yuv420p', file]);
    const src = await decode(file);
    const spans = spansOf(src, [[5, 30]]).map((s) => ({ ...s, crop: { left: 0, right: 0, top: 22 / 180, bottom: 22 / 180 } }));
    const [clip] = await extractClips(file, await probe(file), spans, dir.file('crop'), ExtractConfig.parse({}));
    assert.deepEqual([clip.width, clip.height], [320, 136]);
    const got = await decode(clip.file);
    const topRow = got.pixels[0].subarray(0, CMP.width * 3);
    assert.ok(topRow.reduce((s, x) => s + x, 0) / topRow.length > 40, 'the top row is picture, not a black bar');
  });

  test('stream copy snaps to keyframes and says so', async () => {
    const file = dir.file('copy.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', `${SRC}:r=25:d=4`, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', file]);
    const src = await decode(file);
    const [clip] = await extractClips(file, await probe(file), spansOf(src, [[30, 60]]), dir.file('copy'), ExtractConfig.parse({ streamCopy: true }));
    assert.equal(clip.snappedToKeyframes, true);
    assert.ok(Math.abs(clip.startTime - 1.0) < 1e-3, `snapped start ${clip.startTime}`);
    const got = await decode(clip.file);
    assert.equal(got.pixels.length, clip.frames);
    assertSameFrame(got.pixels[0], src, 25, 'copied first frame (the keyframe)');
  });

  test('an unreadable input is encode_failed and leaves nothing behind', async () => {
    const file = dir.file('notvideo.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=d=1', '-c:a', 'aac', file]);
    const out = dir.file('failed');
    const span: ExtractSpan = { clipId: 'x', startFrame: 0, endFrame: 5, startTime: 0, endTime: 0.24 };
    const fakeProbe = { ...(await probeOf(dir)), container: 'mov' };
    await assert.rejects(
      extractClips(file, fakeProbe, [span], out, ExtractConfig.parse({})),
      (e: unknown) => e instanceof SourceError && e.code === ErrorCode.EncodeFailed && /ffmpeg/.test(e.message),
    );
    assert.deepEqual(await readdir(out), []);
  });
});

/** A probe of a real small video, used as a stand-in for a source whose video is unreadable. */
async function probeOf(dir: TempDir) {
  const file = dir.file('probe-standin.mp4');
  await ffmpeg(['-f', 'lavfi', '-i', `${SRC}:r=25:d=1`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
  return probe(file);
}
