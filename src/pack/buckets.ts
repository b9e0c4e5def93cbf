/**
 * Shard buckets: clips of similar shape travel together, so a trainer can draw batches of one
 * resolution, aspect ratio and length without decoding to find out. A bucket name is
 * `<resolution>-<aspect>-<duration>`, e.g. `720p-16x9-d5-10`:
 *
 * - resolution: the largest standard tier (144, 240, 360, 480, 720, 1080, 1440, 2160, 4320) not
 *   above the clip's short side, so portrait 720x1280 is `720p` like landscape 1280x720; a short
 *   side below 144 is `lt144p`.
 * - aspect: the nearest (in log ratio) of 21x9, 16x9, 3x2, 4x3, 1x1, 3x4, 2x3, 9x16, 9x21.
 * - duration: `d<lo>-<hi>` for lo < seconds <= hi over the edges 0, 2, 5, 10, 20, 30, 60, and
 *   `d60plus` beyond; a clip within 1 ms above an edge counts as at the edge, so a 10 s clip
 *   whose frame times round to 10.0004 s still lands in `d5-10`.
 *
 * A clip without known dimensions (neither its own nor its source's) goes to `unknown-<duration>`.
 */

const RESOLUTION_TIERS = [144, 240, 360, 480, 720, 1080, 1440, 2160, 4320];
const ASPECTS: ReadonlyArray<readonly [string, number]> = [
  ['21x9', 21 / 9], ['16x9', 16 / 9], ['3x2', 3 / 2], ['4x3', 4 / 3], ['1x1', 1],
  ['3x4', 3 / 4], ['2x3', 2 / 3], ['9x16', 9 / 16], ['9x21', 9 / 21],
];
const DURATION_EDGES = [0, 2, 5, 10, 20, 30, 60];
const EDGE_TOLERANCE_SEC = 0.001;

export function resolutionClass(width: number, height: number): string {
  const short = Math.min(width, height);
  let label = 'lt144p';
  for (const tier of RESOLUTION_TIERS) if (short >= tier) label = `${tier}p`;
  return label;
}

export function aspectClass(width: number, height: number): string {
  const ratio = Math.log(width / height);
  let best = ASPECTS[0]!;
  for (const aspect of ASPECTS) {
    if (Math.abs(Math.log(aspect[1]) - ratio) < Math.abs(Math.log(best[1]) - ratio)) best = aspect;
  }
  return best[0];
}

export function durationClass(seconds: number): string {
  for (let i = 1; i < DURATION_EDGES.length; i++) {
    if (seconds <= DURATION_EDGES[i]! + EDGE_TOLERANCE_SEC) return `d${DURATION_EDGES[i - 1]}-${DURATION_EDGES[i]}`;
  }
  return `d${DURATION_EDGES[DURATION_EDGES.length - 1]}plus`;
}

export function bucketName(width: number | null, height: number | null, duration: number): string {
  const shape = width && height ? `${resolutionClass(width, height)}-${aspectClass(width, height)}` : 'unknown';
  return `${shape}-${durationClass(duration)}`;
}
