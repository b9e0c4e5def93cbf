/**
 * Numbers as a person reads them in clip records, shards and the index: times to the microsecond
 * (finer than any frame step, so distinct frames stay distinct, and no `2.1000000000000005`), frame
 * rates to the thousandth (`29.97`, `30`, not `29.999999999999993`).
 */
const round = (v: number, digits: number): number => {
  const scale = 10 ** digits;
  return Math.round(v * scale) / scale;
};

/** A presentation time or a duration in seconds. */
export const roundTime = (seconds: number): number => round(seconds, 6);

/** A frame rate in frames per second. */
export const roundFps = (fps: number): number => round(fps, 3);

/** Sets a clip's times, with its duration derived from them, rounded alike. */
export function setClipTimes(clip: { startTime: number; endTime: number; duration: number }, startTime: number, endTime: number): void {
  clip.startTime = roundTime(startTime);
  clip.endTime = roundTime(endTime);
  clip.duration = roundTime(endTime - startTime);
}
