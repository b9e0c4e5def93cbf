import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, SourceError } from '../../src/errors.js';
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { probe } from '../../src/media/probe.js';
import { ffmpeg, lavfiVideo, tempDir, type TempDir } from '../helpers/media.js';

async function probeError(file: string): Promise<SourceError> {
  const err = await probe(file).then(
    () => assert.fail(`probe(${file}) should have failed`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SourceError, `expected a SourceError, got ${String(err)}`);
  return err;
}

describe('probe', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  it('reads size, rate, frame count and audio of a good video', async () => {
    const file = dir.file('good.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=30:d=2', '-f', 'lavfi', '-i', 'sine=d=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', file]);
    const info = await probe(file);
    assert.equal(info.video.codec, 'h264');
    assert.equal(info.video.width, 320);
    assert.equal(info.video.height, 180);
    assert.equal(info.video.fps, 30);
    assert.equal(info.video.frameCount, 60);
    assert.equal(info.audio?.codec, 'aac');
    assert.ok(Math.abs(info.durationSec - 2) < 0.1);
  });

  it('reports the displayed size of a rotated phone video', async () => {
    const file = dir.file('rotated.mp4');
    await lavfiVideo(dir.file('upright.mp4'), 'testsrc2=s=320x180:r=25', 1);
    await ffmpeg(['-i', dir.file('upright.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=90', file]);
    const info = await probe(file);
    assert.equal(Math.abs(info.video.rotation), 90);
    assert.deepEqual([info.video.width, info.video.height], [180, 320]);
  });

  it('names a missing file, an empty file, a text file and an image', async () => {
    assert.equal((await probeError(dir.file('missing.mp4'))).code, ErrorCode.FileNotFound);
    await writeFile(dir.file('empty.mp4'), '');
    assert.equal((await probeError(dir.file('empty.mp4'))).code, ErrorCode.EmptyFile);
    await writeFile(dir.file('notes.mp4'), 'these are not video bytes\n'.repeat(100));
    assert.equal((await probeError(dir.file('notes.mp4'))).code, ErrorCode.NotAVideo);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x64', '-frames:v', '1', dir.file('still.png')]);
    assert.equal((await probeError(dir.file('still.png'))).code, ErrorCode.NotAVideo);
  });

  it('names audio-only files and unknown codecs', async () => {
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=d=1', dir.file('song.m4a')]);
    const audio = await probeError(dir.file('song.m4a'));
    assert.equal(audio.code, ErrorCode.NoVideoStream);
    assert.match(audio.message, /only audio/);
    // An AVI whose codec tag no decoder knows.
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25:d=1', '-c:v', 'mpeg4', '-f', 'avi', dir.file('m4.avi')]);
    const bytes = await readFile(dir.file('m4.avi'));
    await writeFile(dir.file('alien.avi'), Buffer.from(bytes.toString('latin1').replace(/FMP4|DIVX|XVID/g, 'ZZZZ'), 'latin1'));
    assert.equal((await probeError(dir.file('alien.avi'))).code, ErrorCode.UnsupportedCodec);
  });

  it('calls an MP4 cut off before its index truncated', async () => {
    await lavfiVideo(dir.file('whole.mp4'), 'testsrc2=s=320x180:r=25', 3);
    const bytes = await readFile(dir.file('whole.mp4'));
    await writeFile(dir.file('cut.mp4'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    assert.equal((await probeError(dir.file('cut.mp4'))).code, ErrorCode.TruncatedVideo);
  });
});

describe('probe of a stalled input', () => {
  let dir: TempDir;
  let playlist: string;
  let stalled: string;
  let savedPath: string | undefined;
  before(async () => {
    dir = await tempDir();
    playlist = dir.file('video.mp4');
    await writeFile(playlist, '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg.ts\n#EXT-X-ENDLIST\n');
    // Only container demuxers read files, so nothing real stalls ffprobe: an ffprobe on PATH that never answers does.
    stalled = dir.file('stalled.mp4');
    await writeFile(stalled, 'x');
    await mkdir(dir.file('bin'));
    await writeFile(dir.file('bin/ffprobe'), '#!/bin/sh\nexec sleep 60\n', { mode: 0o755 });
    savedPath = process.env.PATH;
  });
  after(() => dir.remove());

  it('refuses a playlist without opening the files it names', async () => {
    const err = await probeError(playlist);
    assert.equal(err.code, ErrorCode.RefusedPlaylist, err.message);
  });

  /** Runs `fn` with the never-answering ffprobe first on PATH (FFPROBE is looked up at spawn time). */
  async function withStalledProbe(fn: () => Promise<void>): Promise<void> {
    process.env.PATH = `${dir.file('bin')}:${savedPath}`;
    try {
      await fn();
    } finally {
      process.env.PATH = savedPath;
    }
  }

  it('gives up with a timeout error instead of hanging', () => withStalledProbe(async () => {
    await assert.rejects(probe(stalled, { timeoutSec: 0.5 }), (err: unknown) => {
      assert.ok(err instanceof SourceError, String(err));
      assert.equal(err.code, ErrorCode.Timeout);
      assert.match(err.message, /within 0.5 s/);
      return true;
    });
  }));

  it('stops when its caller aborts, with the caller\'s reason', () => withStalledProbe(async () => {
    const controller = new AbortController();
    const probing = probe(stalled, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('task cancelled')), 200);
    await assert.rejects(probing, /task cancelled/);
  }));
});

describe('readFrames', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  it('yields every frame once with its presentation time', async () => {
    const file = await lavfiVideo(dir.file('cfr.mp4'), 'testsrc2=s=320x180:r=25', 2);
    const times: number[] = [];
    for await (const f of readFrames(file, { width: 32, height: 18 })) {
      assert.equal(f.data.length, 32 * 18 * 3);
      times.push(f.time);
    }
    assert.equal(times.length, 50);
    times.forEach((t, i) => assert.ok(Math.abs(t - i / 25) < 1e-3, `frame ${i} at ${t}`));
  });

  it('keeps variable frame-rate timestamps as they are', async () => {
    // Frames at 0, 0.04, ... then a 0.48 s gap: a constant-rate assumption would misplace every later frame.
    const file = dir.file('vfr.mkv');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25:d=2', '-vf', "setpts='if(gte(N,25),PTS+0.48/TB,PTS)'", '-fps_mode', 'vfr', '-c:v', 'libx264', '-preset', 'ultrafast', file]);
    const times: number[] = [];
    for await (const f of readFrames(file, { width: 16, height: 10 })) times.push(f.time);
    assert.equal(times.length, 50);
    assert.ok(Math.abs(times[24] - 0.96) < 0.002, `frame 24 at ${times[24]}`);
    assert.ok(Math.abs(times[25] - 1.48) < 0.002, `frame 25 at ${times[25]}`);
  });

  it('computes an even analysis size that keeps the aspect ratio', () => {
    assert.deepEqual(analysisSize(1920, 1080, 160), { width: 160, height: 90 });
    assert.deepEqual(analysisSize(1080, 1920, 160), { width: 160, height: 284 });
    assert.deepEqual(analysisSize(321, 241, 161), { width: 162, height: 120 });
  });
});
