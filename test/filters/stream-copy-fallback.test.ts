/**
 * --stream-copy on an AVI whose index flags no keyframe: the source is re-encoded instead of lost,
 * and every clip says why. The file is made by construction: an msmpeg4 AVI with its idx1 keyframe
 * flags cleared (it still decodes fine; ffmpeg then flags only the first packet itself).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { ExtractConfig } from '../../src/config/schema.js';
import { extractClips, type ExtractSpan } from '../../src/media/extract.js';
import { FFPROBE, runTool } from '../../src/media/ffmpeg.js';
import { readFrames } from '../../src/media/frames.js';
import { probe } from '../../src/media/probe.js';
import { runCli } from '../helpers/cli.js';
import { readRecords } from '../helpers/dataset.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

/** AVIIF_KEYFRAME in an idx1 entry (tag, flags, offset, size: 16 bytes). */
const AVIIF_KEYFRAME = 0x10;

async function clearKeyframeFlags(file: string): Promise<number> {
  const data = await readFile(file);
  const at = data.indexOf('idx1');
  assert.ok(at > 0, 'the AVI has an idx1 index');
  const size = data.readUInt32LE(at + 4);
  let cleared = 0;
  for (let entry = at + 8; entry < at + 8 + size; entry += 16) {
    const flags = data.readUInt32LE(entry + 4);
    if (flags & AVIIF_KEYFRAME) cleared++;
    data.writeUInt32LE(flags & ~AVIIF_KEYFRAME, entry + 4);
  }
  await writeFile(file, data);
  return cleared;
}

async function flaggedKeyframes(file: string): Promise<number> {
  const res = await runTool(FFPROBE, ['-v', 'error', '-select_streams', 'V:0', '-show_entries', 'packet=flags', '-of', 'csv=p=0', file]);
  return res.stdout.toString().split('\n').filter((l) => l.startsWith('K')).length;
}

async function frameCount(file: string): Promise<number> {
  let n = 0;
  for await (const _ of readFrames(file, { width: 32, height: 18 })) n++;
  return n;
}

describe('stream copy of a source without keyframe flags', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(async () => dir.remove());

  /**
   * 4 s at 25 fps, a keyframe every second, none of them flagged in the index: two 2 s shots, so
   * a run plans a clip that starts after the first packet.
   */
  async function unflaggedAvi(name: string): Promise<string> {
    const file = dir.file(name);
    await ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25:d=2', '-f', 'lavfi', '-i', 'mandelbrot=s=160x90:r=25',
      '-filter_complex', '[1:v]trim=end_frame=50,setpts=PTS-STARTPTS[m];[0:v][m]concat=n=2:v=1:a=0[out]', '-map', '[out]',
      '-c:v', 'msmpeg4', '-g', '25', file,
    ]);
    assert.equal(await clearKeyframeFlags(file), 4);
    return file;
  }

  it('re-encodes the source, with exact frames, and every clip says why', async () => {
    const file = await unflaggedAvi('unflagged.avi');
    assert.equal(await flaggedKeyframes(file), 1, 'ffmpeg flags only the first packet itself');
    assert.equal(await frameCount(file), 100, 'the file still decodes whole');

    const spans: ExtractSpan[] = [
      { clipId: 'a', startFrame: 10, endFrame: 49, startTime: 0.4, endTime: 2.0 },
      { clipId: 'b', startFrame: 60, endFrame: 99, startTime: 2.4, endTime: 4.0 },
    ];
    const clips = await extractClips(file, await probe(file), spans, dir.file('out'), ExtractConfig.parse({ streamCopy: true }));
    assert.equal(clips.length, 2);
    for (const clip of clips) {
      assert.equal(clip.snappedToKeyframes, false);
      assert.match(clip.reencodedBecause ?? '', /keyframe/);
      assert.equal(clip.frames, 40);
      assert.equal(await frameCount(clip.file), 40);
    }
    assert.equal(clips[1].startTime, 2.4);
  });

  it('clipmill run --stream-copy keeps the source and says so in each clip\'s metadata', async () => {
    const file = await unflaggedAvi('run-unflagged.avi');
    const out = dir.file('run-out');
    const run = await runCli(['run', file, '--out', out, '--stream-copy', '--min-clip', '1', '--allow-local', dir.path]);
    assert.equal(run.code, 0, run.stderr);
    const [record] = await readRecords(out);
    assert.equal(record.error, undefined, JSON.stringify(record.error));
    const kept = record.clips.filter((c) => c.status === 'kept');
    assert.deepEqual(kept.map((c) => c.startFrame), [0, 50], JSON.stringify(record.clips));
    for (const clip of kept) assert.match(String(clip.metadata?.stream_copy_fallback), /^re-encoded: .*keyframe/);
  });

  it('still stream-copies a source whose keyframes are flagged', async () => {
    const file = dir.file('flagged.avi');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25:d=4', '-c:v', 'msmpeg4', '-g', '25', file]);
    const [clip] = await extractClips(file, await probe(file), [{ clipId: 'c', startFrame: 30, endFrame: 69, startTime: 1.2, endTime: 2.8 }], dir.file('copy'), ExtractConfig.parse({ streamCopy: true }));
    assert.equal(clip.snappedToKeyframes, true);
    assert.equal(clip.reencodedBecause, undefined);
    assert.ok(Math.abs(clip.startTime - 1) < 1e-3, `snapped to the keyframe at 1 s, got ${clip.startTime}`);
  });
});
