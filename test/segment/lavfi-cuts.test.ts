/**
 * Regression tests on plain lavfi sources joined by hard cuts, as the end-to-end tests make them:
 * every cut must be found at its exact frame, and steady motion inside a source (testsrc2's
 * moving parts, the mandelbrot zoom, life and cellauto evolving) must never read as a gradual
 * transition, not even right at the start of the video.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runFfmpeg } from '../../bench/shots/synth.js';
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { ShotDetector } from '../../src/segment/detector.js';
import { tempDir, type TempDir } from '../helpers/media.js';

const W = 160;
const H = 90;
const FPS = 25;

/** Sources joined by hard cuts, `frames` each, encoded with ultrafast x264 as the end-to-end tests do. */
async function joined(file: string, sources: string[], frames: number): Promise<number[]> {
  const inputs = sources.flatMap((s) => ['-f', 'lavfi', '-i', `${s}${s.includes('=') ? ':' : '='}s=${W}x${H}:r=${FPS}`]);
  const parts = sources.map((_, i) => `[${i}:v]trim=end_frame=${frames},setpts=PTS-STARTPTS,format=yuv420p[v${i}]`);
  const graph = `${parts.join(';')};${sources.map((_, i) => `[v${i}]`).join('')}concat=n=${sources.length}:v=1:a=0`;
  await runFfmpeg([...inputs, '-filter_complex', graph, '-c:v', 'libx264', '-preset', 'ultrafast', '-y', `file:${file}`]);
  return sources.slice(1).map((_, i) => (i + 1) * frames);
}

async function shotsOf(file: string) {
  const detector = new ShotDetector({ fps: FPS });
  for await (const frame of readFrames(file, analysisSize(W, H, 160))) detector.push(frame);
  return detector.finish();
}

const spans = (shots: { startFrame: number; endFrame: number }[]) => shots.map((s) => [s.startFrame, s.endFrame]);

describe('ShotDetector on lavfi sources joined by cuts', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  it('testsrc2 then rgbtestsrc: one cut at 60, no gradual span over the moving test pattern', async () => {
    const file = dir.file('served.mp4');
    await joined(file, ['testsrc2', 'rgbtestsrc'], 60);
    const { shots, transitions } = await shotsOf(file);
    assert.deepEqual(transitions, [{ kind: 'cut', startFrame: 60, endFrame: 60 }]);
    assert.deepEqual(spans(shots), [
      [0, 59],
      [60, 119],
    ]);
  });

  it('testsrc2, mandelbrot, smptebars, life, rgbtestsrc, cellauto, testsrc, yuvtestsrc in a row: exactly the cuts', async () => {
    const sources = ['testsrc2', 'mandelbrot', 'smptebars', 'life=mold=10:ratio=0.4:seed=3', 'rgbtestsrc', 'cellauto=rule=30:seed=2', 'testsrc', 'yuvtestsrc', 'testsrc2'];
    const file = dir.file('all.mp4');
    const cuts = await joined(file, sources, 40);
    const { shots, transitions } = await shotsOf(file);
    assert.deepEqual(
      transitions.map((t) => `${t.kind}@${t.startFrame}`),
      cuts.map((c) => `cut@${c}`),
    );
    assert.equal(shots.length, sources.length);
    assert.equal(shots[0].startFrame, 0);
  });

  it('a single moving source at the start of a video gives one shot from frame 0', async () => {
    for (const source of ['testsrc2', 'mandelbrot', 'life=mold=10:ratio=0.4:seed=5']) {
      const file = dir.file(`${source.split('=')[0]}.mp4`);
      await joined(file, [source], 75);
      const { shots, transitions } = await shotsOf(file);
      assert.deepEqual(transitions, [], source);
      assert.deepEqual(spans(shots), [[0, 74]], source);
    }
  });

  it('a video that really fades in from black starts with a gradual span at frame 0', async () => {
    const file = dir.file('fade-in.mp4');
    await runFfmpeg(['-f', 'lavfi', '-i', `smptebars=s=${W}x${H}:r=${FPS}:d=3`, '-vf', 'fade=t=in:st=0:d=0.8', '-c:v', 'libx264', '-preset', 'ultrafast', '-y', `file:${file}`]);
    const { shots, transitions } = await shotsOf(file);
    assert.equal(transitions.length, 1, JSON.stringify(transitions));
    const [fade] = transitions;
    assert.equal(fade.kind, 'gradual');
    assert.equal(fade.startFrame, 0);
    assert.ok(Math.abs(fade.endFrame - 19) <= 2, `fade ends near frame 19 (got ${fade.endFrame})`);
    assert.deepEqual(spans(shots), [[fade.endFrame + 1, 74]]);
  });
});
