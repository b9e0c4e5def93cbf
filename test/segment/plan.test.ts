import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameTimes } from '../../src/media/frame-times.js';
import { clipId } from '../../src/segment/ids.js';
import { planClips, planPresetClips, type ClipSpan } from '../../src/segment/plan.js';
import type { Shot } from '../../src/types.js';

function cfrTimes(frames: number, fps: number): FrameTimes {
  const times = new FrameTimes();
  for (let i = 0; i < frames; i++) times.push(i / fps);
  return times;
}

function shot(times: FrameTimes, startFrame: number, endFrame: number): Shot {
  return { startFrame, endFrame, startTime: times.at(startFrame), endTime: times.endOf(endFrame) };
}

const len = (s: ClipSpan) => s.endTime - s.startTime;

describe('planClips', () => {
  it('keeps shots within limits whole and drops short ones with their length', () => {
    const times = cfrTimes(500, 25);
    const plan = planClips([shot(times, 0, 29), shot(times, 30, 129)], times, { minClipSec: 2, maxClipSec: 10 });
    assert.deepEqual(plan.clips, [{ startFrame: 30, endFrame: 129, startTime: 1.2, endTime: 5.2 }]);
    assert.equal(plan.dropped.length, 1);
    assert.equal(plan.dropped[0].reason, 'too_short: 1.20s');
    assert.equal(plan.dropped[0].endFrame, 29);
  });

  it('splits a long shot into near-equal contiguous pieces no longer than the maximum', () => {
    const times = cfrTimes(1000, 25);
    const plan = planClips([shot(times, 0, 624)], times, { minClipSec: 2, maxClipSec: 10 }); // 25 s
    assert.equal(plan.clips.length, 3);
    assert.deepEqual(plan.dropped, []);
    for (const c of plan.clips) assert.ok(len(c) <= 10 && len(c) >= 8.3, `piece of ${len(c)}s`);
    assert.equal(plan.clips[0].startFrame, 0);
    assert.equal(plan.clips[2].endFrame, 624);
    for (let i = 1; i < 3; i++) assert.equal(plan.clips[i].startFrame, plan.clips[i - 1].endFrame + 1);
  });

  it('takes full-length pieces and drops the remainder when no split fits both limits', () => {
    const times = cfrTimes(400, 25);
    const plan = planClips([shot(times, 0, 274)], times, { minClipSec: 6, maxClipSec: 10 }); // 11 s
    assert.deepEqual(plan.clips.map((c) => [c.startFrame, c.endFrame]), [[0, 249]]);
    assert.equal(plan.dropped[0].reason, 'too_short: 1.00s');
  });

  it('never exceeds the maximum on variable frame rate timestamps', () => {
    const times = new FrameTimes();
    for (let i = 0, t = 0; i < 900; i++, t += i % 3 ? 0.03 : 0.05) times.push(t);
    const plan = planClips([shot(times, 0, 899)], times, { minClipSec: 1, maxClipSec: 4 });
    for (const c of plan.clips) assert.ok(len(c) <= 4 + 1e-9, `piece of ${len(c)}s`);
    assert.equal(plan.clips.at(-1)!.endFrame, 899);
    assert.ok(plan.clips.length >= 9);
  });
});

describe('planPresetClips', () => {
  it('snaps preset seconds to frame ranges and drops spans without frames', () => {
    const times = cfrTimes(250, 25); // 10 s
    const spans = [
      { start: 1, end: 3.5, datasetClipId: 'a' },
      { start: 2.01, end: 2.03 },
      { start: 12, end: 14 },
    ];
    const plan = planPresetClips(spans, times);
    assert.equal(plan.clips.length, 1);
    assert.deepEqual(
      { ...plan.clips[0], span: undefined },
      { startFrame: 25, endFrame: 87, startTime: 1, endTime: 3.52, span: undefined },
    );
    assert.equal(plan.clips[0].span.datasetClipId, 'a');
    assert.equal(plan.dropped.length, 2);
    assert.match(plan.dropped[0].reason, /^empty_span/);
  });
});

describe('clipId', () => {
  it('is deterministic and sorts in frame order', () => {
    assert.equal(clipId('src1', 0, 249), 'src1-0000000-0000249');
    assert.equal(clipId('src1', 0, 249), clipId('src1', 0, 249));
    assert.ok(clipId('s', 250, 499) > clipId('s', 0, 249));
  });
});
