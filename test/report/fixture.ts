/**
 * Inputs for the dashboard and report tests, made with ffmpeg so every outcome is known by
 * construction: a video of three shots (kept clips), a re-encoded copy of it (pack drops its clips
 * as duplicates), a still picture (dropped by the frozen filter), a file that is not a video (a
 * failed source). The manifest names a licence and a category per row.
 */
import { writeFile } from 'node:fs/promises';
import { cutVideo, ffmpeg, lavfiVideo } from '../helpers/media.js';

export interface InputSpec {
  /** Extra sources of the three-shot kind, to make a run last (live test). */
  extraShotVideos?: number;
}

/** Writes the videos and `manifest.csv` into `dir`; returns the manifest path. */
export async function makeInputs(dir: string, spec: InputSpec = {}): Promise<string> {
  const shots = [
    { source: 'testsrc2', frames: 60 },
    { source: 'mandelbrot', frames: 60 },
    { source: 'rgbtestsrc', frames: 60 },
  ];
  await cutVideo(`${dir}/cuts.mp4`, shots, '320x180');
  await ffmpeg(['-i', `${dir}/cuts.mp4`, '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '35', `${dir}/copy.mp4`]);
  await lavfiVideo(`${dir}/still.mp4`, 'smptebars=s=320x180:r=25', 3);
  await writeFile(`${dir}/broken.mp4`, 'this is not a video\n'.repeat(20));
  const rows = [
    'url,title,license,category',
    'cuts.mp4,Three shots,CC-BY-4.0,patterns',
    'copy.mp4,A copy of three shots,CC-BY-4.0,patterns',
    'still.mp4,A still,CC0-1.0,bars',
    'broken.mp4,Broken,CC-BY-4.0,bars',
  ];
  for (let i = 0; i < (spec.extraShotVideos ?? 0); i++) {
    const sources = ['life=seed=3', 'cellauto=seed=2', 'testsrc', 'smptehdbars'];
    await cutVideo(`${dir}/extra-${i}.mp4`, [
      { source: sources[i % sources.length]!, frames: 60 },
      { source: 'testsrc2', frames: 55 + i },
    ], '320x180');
    rows.push(`extra-${i}.mp4,Extra ${i},CC-BY-SA-4.0,extra`);
  }
  const manifest = `${dir}/manifest.csv`;
  await writeFile(manifest, rows.join('\n') + '\n');
  return manifest;
}

/**
 * What a run over these inputs must be allowed: the manifest names files in `dir`, and the tests'
 * servers are on loopback (both refused by default).
 */
export const inputAccess = (dir: string): string[] => ['--allow-local', dir, '--allow-private-network'];
/** A queued run's settings are signed with this secret; workers check them with it. */
export const QUEUE_ENV = { CLIPMILL_QUEUE_SECRET: 'report-tests-queue-secret' };
