import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clipSafetyScores, sampleIndices, SAFETY_SAMPLES } from '../../src/analysis/safety-clips.js';
import { ErrorCode, SourceError } from '../../src/errors.js';
import { loadSafetyModel, nsfwOf, sharedLoad, SAFETY_CLASSES, scoreFrames, type RgbFrame, type SafetyScore } from '../../src/analysis/safety.js';
import { defaultConfig, FilterConfig } from '../../src/config/schema.js';
import { judgeClip } from '../../src/filters/judge.js';

const W = 160;
const H = 90;

/** One RGB24 frame of a lavfi source, straight from ffmpeg's stdout. */
function lavfiFrame(source: string): RgbFrame {
  const data = execFileSync('ffmpeg', [
    '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', `${source}=size=${W}x${H}:rate=25`,
    '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ]);
  return { data, width: W, height: H };
}

function assertValidScore(score: SafetyScore): void {
  assert.deepEqual(Object.keys(score.classes).sort(), [...SAFETY_CLASSES].sort());
  for (const p of Object.values(score.classes)) assert.ok(p >= 0 && p <= 1, `probability ${p} out of range`);
  const sum = Object.values(score.classes).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-3, `probabilities sum to ${sum}`);
  assert.equal(score.nsfw, nsfwOf(score.classes));
  assert.ok(score.nsfw >= 0 && score.nsfw <= 1);
}

describe('safety classifier', () => {
  it('loads the model bundled in the nsfwjs package without any network request', async () => {
    const realFetch = globalThis.fetch;
    const fetched: string[] = [];
    globalThis.fetch = async (input) => {
      fetched.push(String(input));
      throw new Error('network is off in this test');
    };
    try {
      const net = await loadSafetyModel();
      assert.deepEqual(net.model.outputs[0].shape, [null, SAFETY_CLASSES.length]);
      assert.equal(await loadSafetyModel(), net, 'loaded once per process');
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.deepEqual(fetched, []);
  });

  it('shares one load between callers but retries after a failed one', async () => {
    let calls = 0;
    const load = sharedLoad(async () => {
      calls++;
      if (calls === 1) throw new Error('first load fails');
      return { loaded: calls };
    });
    await assert.rejects(load(), /first load fails/);
    const [a, b] = await Promise.all([load(), load()]);
    assert.deepEqual(a, { loaded: 2 }, 'the failure was forgotten and the load ran again');
    assert.equal(a, b, 'concurrent callers share one load');
    assert.equal(await load(), a);
    assert.equal(calls, 2);
  });

  it('scores generated frames with valid class probabilities, deterministically', async () => {
    const pattern = lavfiFrame('testsrc2');
    const flat = { data: Buffer.alloc(W * H * 3, 128), width: W, height: H };
    const patternScore = await scoreFrames([pattern]);
    const flatScore = await scoreFrames([flat]);
    assertValidScore(patternScore);
    assertValidScore(flatScore);
    assert.notDeepEqual(patternScore.classes, flatScore.classes, 'different pictures, different outputs');
    assert.deepEqual(await scoreFrames([pattern]), patternScore);
  });

  it('reports the worst of several frames', async () => {
    const a = lavfiFrame('testsrc2');
    const b = lavfiFrame('smptebars');
    const [sa, sb] = [await scoreFrames([a]), await scoreFrames([b])];
    const both = await scoreFrames([a, b]);
    assert.deepEqual(both, sa.nsfw >= sb.nsfw ? sa : sb);
  });

  it('rejects an empty list and a frame of the wrong size', async () => {
    await assert.rejects(scoreFrames([]), RangeError);
    await assert.rejects(scoreFrames([{ data: Buffer.alloc(10), width: W, height: H }]), /needs 43200 bytes, got 10/);
  });
});

describe('clip safety scores', () => {
  let dir: string;
  let video: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clipmill-safety-'));
    video = path.join(dir, 'two-shots.mp4');
    // 1 s of test pattern, then 1 s of flat grey, 25 fps: frames 0-24 and 25-49.
    execFileSync('ffmpeg', [
      '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=25:duration=1`,
      '-f', 'lavfi', '-i', `color=c=gray:size=${W}x${H}:rate=25:duration=1`,
      '-filter_complex', '[0:v][1:v]concat=n=2:v=1[v]', '-map', '[v]', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', video,
    ]);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('samples distinct frames inside the span, away from its ends', () => {
    assert.deepEqual(sampleIndices({ startFrame: 0, endFrame: 24 }), [4, 12, 20]);
    assert.deepEqual(sampleIndices({ startFrame: 10, endFrame: 11 }), [10, 11]);
    assert.equal(sampleIndices({ startFrame: 100, endFrame: 399 }).length, SAFETY_SAMPLES);
  });

  it('scores each span from its own frames, in the order given', async () => {
    const spans = [{ startFrame: 25, endFrame: 49 }, { startFrame: 0, endFrame: 24 }];
    const [grey, pattern] = await clipSafetyScores(video, spans, { width: W, height: H });
    assertValidScore(grey);
    assertValidScore(pattern);
    // Every frame of the grey shot is the same picture: its score is that of a flat grey frame.
    const flat = await scoreFrames([{ data: Buffer.alloc(W * H * 3, 128), width: W, height: H }]);
    for (const c of SAFETY_CLASSES) assert.ok(Math.abs(grey.classes[c] - flat.classes[c]) < 0.05, `${c}: ${grey.classes[c]} vs ${flat.classes[c]}`);
    assert.notDeepEqual(pattern.classes, grey.classes);
  });

  it('fails with decode_failed when a span has no decodable frame', async () => {
    await assert.rejects(
      clipSafetyScores(video, [{ startFrame: 0, endFrame: 24 }, { startFrame: 500, endFrame: 510 }], { width: W, height: H }),
      (err: unknown) => err instanceof SourceError && err.code === ErrorCode.DecodeFailed && /500-510/.test(err.message),
    );
  });
});

describe('unsafe filter', () => {
  const cfg = FilterConfig.parse({});
  const good = { motion_mean: 3, sharpness: 400, luma_mean: 110, frozen_share: 0, single_color_share: 0 };

  it('is off by default with a documented threshold', () => {
    assert.equal(defaultConfig().filter.safety, false);
    assert.equal(cfg.maxNsfw, 0.5);
  });

  it('drops a clip whose nsfw score is above the threshold, naming the value', () => {
    assert.deepEqual(judgeClip({ ...good, nsfw: 0.83 }, cfg, { cropBars: false }), { keep: false, reason: 'unsafe: nsfw=0.83 > 0.5' });
    assert.deepEqual(judgeClip({ ...good, nsfw: 0.3 }, cfg, { cropBars: false }), { keep: true });
    assert.deepEqual(judgeClip(good, cfg, { cropBars: false }), { keep: true }, 'no score, no safety verdict');
    assert.deepEqual(judgeClip({ ...good, nsfw: 0.3 }, { ...cfg, maxNsfw: 0.2 }, { cropBars: false }), {
      keep: false,
      reason: 'unsafe: nsfw=0.3 > 0.2',
    });
  });
});
