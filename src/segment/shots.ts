/** Turns transitions into shots that tile every frame not inside a gradual transition. */
import type { FrameTimes } from '../media/frame-times.js';
import type { Shot, Transition } from '../types.js';

export function tileShots(frameCount: number, transitions: Transition[], times: FrameTimes): Shot[] {
  const shots: Shot[] = [];
  const add = (startFrame: number, endFrame: number) => {
    if (endFrame >= startFrame) {
      shots.push({ startFrame, endFrame, startTime: times.at(startFrame), endTime: times.endOf(endFrame) });
    }
  };
  let cursor = 0;
  for (const t of transitions) {
    add(cursor, t.startFrame - 1);
    cursor = t.kind === 'cut' ? t.startFrame : t.endFrame + 1;
  }
  add(cursor, frameCount - 1);
  return shots;
}
