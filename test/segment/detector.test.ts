import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildVideo, runFfmpeg, type Truth, type VideoSpec } from '../../bench/shots/synth.js';
import { analysisSize, readFrames } from '../../src/media/frames.js';
import { ShotDetector } from '../../src/segment/detector.js';
import type { Shot, Transition } from '../../src/types.js';
import { tempDir, type TempDir } from '../helpers/media.js';

const FPS = 25;

async function detect(file: string, width: number, height: number, fps = FPS, threshold = 1) {
  const detector = new ShotDetector({ fps, threshold });
  for await (const frame of readFrames(file, analysisSize(width, height, 160))) detector.push(frame);
  return { ...detector.finish(), times: detector.times };
}

function assertTiles(shots: Shot[], transitions: Transition[], frameCount: number): void {
  assert.equal(shots[0].startFrame, 0);
  assert.equal(shots[shots.length - 1].endFrame, frameCount - 1);
  for (let i = 0; i + 1 < shots.length; i++) {
    const next = shots[i].endFrame + 1;
    const t = transitions.find((t) => t.startFrame === next);
    assert.ok(t, `a transition starts right after shot ${i} (frame ${next})`);
    assert.equal(shots[i + 1].startFrame, t.kind === 'cut' ? next : t.endFrame + 1, `shot ${i + 1} starts after the transition`);
    if (t.kind === 'cut') assert.equal(shots[i].endTime, shots[i + 1].startTime);
  }
}

const cutsOf = (ts: Transition[]) => ts.filter((t) => t.kind === 'cut').map((t) => t.startFrame);

describe('ShotDetector', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  it('finds hard cuts exactly and gradual transitions, ignoring flashes, pans and shake', async () => {
    const spec: VideoSpec = {
      width: 320,
      height: 180,
      fps: FPS,
      gop: 30,
      scenes: [
        { kind: 'testsrc2', frames: 50 },
        { kind: 'mandelbrot', frames: 60, flash: { at: 25, frames: 3, style: 'white' } },
        { kind: 'smptebars', frames: 50 },
        { kind: 'fastpan', frames: 75 },
        { kind: 'life', frames: 55 },
        { kind: 'shake', frames: 60, flash: { at: 30, frames: 2, style: 'bright' } },
        { kind: 'cellauto', frames: 55 },
        { kind: 'noise', frames: 50 },
      ],
      joins: [
        { kind: 'cut' },
        { kind: 'gradual', transition: 'fade', frames: 20 },
        { kind: 'cut' },
        { kind: 'gradual', transition: 'fadeblack', frames: 20 },
        { kind: 'cut' },
        { kind: 'gradual', transition: 'wipeleft', frames: 15 },
        { kind: 'cut' },
      ],
    };
    const file = dir.file('mixed.mp4');
    const truth: Truth = await buildVideo(file, spec);
    const { shots, transitions, times } = await detect(file, spec.width, spec.height);
    assert.equal(times.length, truth.frameCount);

    const cuts = cutsOf(transitions);
    for (const c of truth.cuts) assert.ok(cuts.some((d) => Math.abs(d - c) <= 1), `cut at ${c} found (got ${cuts})`);
    const gradual = transitions.filter((t) => t.kind === 'gradual');
    for (const g of truth.gradual) {
      assert.ok(
        gradual.some((d) => d.startFrame <= g.endFrame && d.endFrame >= g.startFrame),
        `${g.transition} ${g.startFrame}-${g.endFrame} overlapped (got ${JSON.stringify(gradual)})`,
      );
    }
    // Every boundary reported belongs to a real transition: none on the flashes, the pan or the shake.
    assert.equal(transitions.length, truth.cuts.length + truth.gradual.length, JSON.stringify(transitions));
    for (const f of truth.flashes) {
      assert.ok(!cuts.some((c) => c >= f.startFrame - 2 && c <= f.endFrame + 3), `no cut at flash ${f.startFrame}`);
    }
    assertTiles(shots, transitions, truth.frameCount);
    assert.equal(shots[0].startTime, 0);
    assert.equal(shots[1].startTime, truth.cuts[0] / FPS);
  });

  it('reports no boundary in one continuous shot with fast motion and noise', async () => {
    const file = dir.file('one-shot.mp4');
    const truth = await buildVideo(file, { width: 160, height: 90, fps: FPS, gop: 12, scenes: [{ kind: 'fastpan', frames: 100 }], joins: [] });
    const { shots, transitions } = await detect(file, 160, 90);
    assert.deepEqual(transitions, []);
    assert.deepEqual(
      shots.map((s) => [s.startFrame, s.endFrame]),
      [[0, truth.frameCount - 1]],
    );
  });

  it('keeps a margin on the fast pan: no boundary even 20% more sensitive, nor over a longer pan', async () => {
    // Decoders, scalers and encoders differ a little between machines; a verdict must not hang on
    // a hair. (The pan's colours once passed the colour test by 15% on another machine.)
    const file = dir.file('long-pan.mp4');
    await buildVideo(file, { width: 160, height: 90, fps: FPS, gop: 12, scenes: [{ kind: 'fastpan', frames: 200 }], joins: [] });
    for (const threshold of [1, 0.8]) {
      const { transitions } = await detect(file, 160, 90, FPS, threshold);
      assert.deepEqual(transitions, [], `threshold ${threshold}`);
    }
    const short = await detect(dir.file('one-shot.mp4'), 160, 90, FPS, 0.8);
    assert.deepEqual(short.transitions, []);
  });

  it('uses real timestamps on variable frame rate input', async () => {
    const cfr = dir.file('cfr.mp4');
    const truth = await buildVideo(cfr, {
      width: 160,
      height: 90,
      fps: FPS,
      gop: 25,
      scenes: [
        { kind: 'testsrc2', frames: 40 },
        { kind: 'smptebars', frames: 40 },
        { kind: 'life', frames: 40 },
      ],
      joins: [{ kind: 'cut' }, { kind: 'cut' }],
    });
    // Dropping every fifth frame (keeping timestamps) makes the frame rate variable.
    const vfr = dir.file('vfr.mp4');
    await runFfmpeg(['-i', `file:${cfr}`, '-vf', "select='not(eq(mod(n,5),2))'", '-fps_mode', 'vfr', '-c:v', 'libx264', '-preset', 'ultrafast', '-y', `file:${vfr}`]);
    const kept = (n: number) => n - Math.floor((n + 2) / 5);
    const { shots, transitions } = await detect(vfr, 160, 90);
    assert.deepEqual(cutsOf(transitions), truth.cuts.map(kept));
    assert.equal(shots.length, 3);
    for (let i = 1; i < shots.length; i++) {
      assert.ok(Math.abs(shots[i].startTime - truth.cuts[i - 1] / FPS) < 1e-3, `shot ${i} starts at the cut's source time`);
    }
  });
});
