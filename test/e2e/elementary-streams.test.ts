/**
 * Video files without a container index: raw MPEG-1, MPEG-2 and H.264 elementary streams, IVF (VP8)
 * and YUV4MPEG. Each holds two shots joined by a hard cut at a frame known by construction; a run
 * over their folder cuts each at that frame, counts its length and bit rate from the decode where
 * the file states none, and writes clips of exactly the planned frames. The
 * elementary streams give their keyframes no timestamps, so `--stream-copy` re-encodes them and
 * says so.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { SourceRecord } from '../../src/types.js';
import { runCli } from '../helpers/cli.js';
import { listShards, readRecords } from '../helpers/dataset.js';
import { cutVideo, ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

const exec = promisify(execFile);
const SHOT_FRAMES = 50;

/** Per file: the two shots (distinct content, so no clip is another's duplicate) and the encoder. */
const FILES: { name: string; shots: [string, string]; encode: string[] }[] = [
  { name: 'raw.h264', shots: ['testsrc2', 'mandelbrot'], encode: ['-c:v', 'libx264', '-threads', '1', '-g', '25', '-f', 'h264'] },
  { name: 'raw.m1v', shots: ['smptebars', 'mandelbrot=start_x=-0.5:start_y=0.6:start_scale=0.4'], encode: ['-c:v', 'mpeg1video', '-g', '12', '-q:v', '3', '-f', 'mpeg1video'] },
  { name: 'raw.m2v', shots: ['testsrc', 'life=mold=10:ratio=0.3'], encode: ['-c:v', 'mpeg2video', '-g', '12', '-q:v', '3', '-f', 'mpeg2video'] },
  { name: 'stream.ivf', shots: ['mandelbrot=start_x=-0.7:start_y=0.3:start_scale=0.5', 'smptehdbars'], encode: ['-c:v', 'libvpx', '-b:v', '400k', '-f', 'ivf'] },
  { name: 'frames.y4m', shots: ['yuvtestsrc', 'mandelbrot=start_x=-1.25:start_y=0.1:start_scale=0.2'], encode: ['-f', 'yuv4mpegpipe'] },
];

async function frameCount(file: string): Promise<number> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

/** Every kept clip file of the dataset, taken out of its shards, by clip id. */
async function clipFiles(out: string, into: string): Promise<Map<string, string>> {
  await mkdir(into, { recursive: true });
  for (const shard of await listShards(out)) await exec('tar', ['-xf', shard, '-C', into, '--wildcards', '*.mp4']);
  const { stdout } = await exec('find', [into, '-name', '*.mp4']);
  const files = stdout.split('\n').filter(Boolean);
  return new Map(files.map((f) => [path.basename(f, '.mp4'), f]));
}

const byName = (records: SourceRecord[], name: string) => records.find((r) => r.uri.endsWith(name));

describe('elementary streams and simple stream files', () => {
  let dir: TempDir;

  before(async () => {
    dir = await tempDir();
    await mkdir(dir.file('in'));
    for (const f of FILES) {
      const joined = dir.file(`${f.name}.mp4`);
      await cutVideo(joined, f.shots.map((source) => ({ source, frames: SHOT_FRAMES })));
      await ffmpeg(['-i', joined, '-map', '0:v:0', ...f.encode, dir.file(path.join('in', f.name))]);
    }
  });
  after(async () => {
    await dir?.remove();
  });

  it('are found in a folder, cut at the true frame, and give clips of exactly the planned frames', async () => {
    const out = dir.file('out');
    const res = await runCli(['run', dir.file('in'), '-o', out, '--min-clip', '1']);
    assert.equal(res.code, 0, res.stderr);
    const records = await readRecords(out);
    const files = await clipFiles(out, dir.file('clips'));
    for (const f of FILES) {
      const rec = byName(records, f.name);
      assert.ok(rec, `${f.name}: no record`);
      assert.equal(rec.status, 'done', `${f.name}: ${JSON.stringify(rec.error)}`);
      // The length the file does not state comes from the decode.
      assert.equal(rec.probe?.video.frameCount, 2 * SHOT_FRAMES, f.name);
      assert.ok(Math.abs((rec.probe?.durationSec ?? 0) - (2 * SHOT_FRAMES) / 25) < 0.05, `${f.name}: ${rec.probe?.durationSec} s`);
      // Their bit rate (for low_bitrate) is the file's over that length, not a header field.
      const { sizeBytes, durationSec, video } = rec.probe!;
      const bitsPerPixel = (sizeBytes * 8) / (durationSec * video.width * video.height * video.fps);
      for (const clip of rec.clips) assert.ok(Math.abs((clip.signals?.bits_per_pixel ?? Number.NaN) / bitsPerPixel - 1) < 0.01, `${f.name}: ${clip.signals?.bits_per_pixel} bits per pixel, the file has ${bitsPerPixel}`);
      assert.deepEqual(rec.transitions?.map((t) => [t.kind, t.startFrame]), [['cut', SHOT_FRAMES]], f.name);
      assert.deepEqual(rec.clips.map((c) => [c.startFrame, c.endFrame]), [[0, SHOT_FRAMES - 1], [SHOT_FRAMES, 2 * SHOT_FRAMES - 1]], f.name);
      const packed = rec.clips.filter((c) => files.has(c.clipId));
      assert.ok(packed.length > 0, `${f.name}: no clip in the dataset (${JSON.stringify(rec.clips.map((c) => c.reason))})`);
      for (const clip of packed) assert.equal(await frameCount(files.get(clip.clipId)!), clip.endFrame - clip.startFrame + 1, `${f.name} ${clip.clipId}`);
    }
  });

  it('with --stream-copy, the elementary streams are re-encoded and say why', async () => {
    const out = dir.file('out-copy');
    const res = await runCli(['run', dir.file('in'), '-o', out, '--min-clip', '1', '--stream-copy']);
    assert.equal(res.code, 0, res.stderr);
    const records = await readRecords(out);
    for (const name of ['raw.h264', 'raw.m1v', 'raw.m2v']) {
      const rec = byName(records, name);
      assert.equal(rec?.status, 'done', name);
      const kept = rec!.clips.filter((c) => c.status === 'kept');
      assert.ok(kept.length > 0, name);
      // Whether ffmpeg's parser stamps a keyframe or flags it at all varies with the codec and version: the fallback is the point.
      for (const clip of kept) assert.match(String(clip.metadata?.stream_copy_fallback), /^re-encoded: .*stream copy/, `${name} ${clip.clipId}`);
    }
  });
});
