/**
 * Re-running an extraction must give the same bytes. x264's threaded lookahead once made the same
 * command encode differently when the CPU was busy, so the extractions here run two at a time
 * next to busy loops that keep every core occupied.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { after, before, test } from 'node:test';
import { ExtractConfig } from '../../src/config/schema.js';
import { extractClips, type ExtractSpan } from '../../src/media/extract.js';
import { probe } from '../../src/media/probe.js';
import { cutVideo, ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

const FPS = 25;
/** Extractions of the same spans; each pair runs at once. */
const RUNS = 8;
/** High-entropy shots (life, mandelbrot) make the encoder's frame decisions sensitive to timing. */
const SHOTS = [
  { source: 'mandelbrot', frames: 70 },
  { source: 'life=ratio=0.5:mold=10:seed=3', frames: 60 },
  { source: 'testsrc2', frames: 60 },
  { source: 'life=ratio=0.3:mold=5:seed=7', frames: 60 },
];
const CLIPS: [number, number][] = [[0, 34], [35, 69], [70, 129], [130, 189], [190, 249]];

let dir: TempDir;
let busy: ChildProcess[] = [];

before(async () => {
  dir = await tempDir();
  busy = Array.from({ length: os.availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
});
after(async () => {
  for (const child of busy) child.kill('SIGKILL');
  await dir.remove();
});

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

test('the same spans extract to the same bytes every time, even on a busy CPU', async () => {
  const file = dir.file('src.mp4');
  await cutVideo(file, SHOTS, '320x180', FPS);
  const info = await probe(file);
  const spans: ExtractSpan[] = CLIPS.map(([a, b]) => ({
    clipId: `clip-${a}-${b}`, startFrame: a, endFrame: b, startTime: a / FPS, endTime: (b + 1) / FPS,
  }));
  const cfg = ExtractConfig.parse({ codec: 'h264' });
  const extractOnce = async (run: number) => {
    const clips = await extractClips(file, info, spans, dir.file(`run-${run}`), cfg);
    return Promise.all(clips.map((c) => sha256(c.file)));
  };

  const runs: string[][] = [];
  for (let run = 0; run < RUNS; run += 2) runs.push(...(await Promise.all([extractOnce(run), extractOnce(run + 1)])));

  assert.equal(runs[0].length, CLIPS.length);
  for (const [r, hashes] of runs.entries()) {
    for (const [k, hash] of hashes.entries()) {
      assert.equal(hash, runs[0][k], `run ${r}: clip ${spans[k].clipId} differs from run 0`);
    }
  }
});

test('a Theora source extracts to the same bytes every time (its threaded decoder is not exact)', async () => {
  const file = dir.file('src.ogv');
  await ffmpeg(['-f', 'lavfi', '-i', `testsrc2=s=320x240:r=${FPS}:d=6,noise=alls=20:allf=t`, '-c:v', 'libtheora', '-q:v', '6', '-g', '300', file]);
  const info = await probe(file);
  assert.equal(info.video.codec, 'theora');
  const spans: ExtractSpan[] = [{ clipId: 'all', startFrame: 0, endFrame: 6 * FPS - 1, startTime: 0, endTime: 6 }];
  const cfg = ExtractConfig.parse({ codec: 'h264' });
  const hashes: string[] = [];
  for (let run = 0; run < 4; run++) {
    const [clip] = await extractClips(file, info, spans, dir.file(`theora-${run}`), cfg);
    hashes.push(await sha256(clip.file));
  }
  assert.deepEqual(hashes, hashes.map(() => hashes[0]));
});
