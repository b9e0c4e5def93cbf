/**
 * Throughput over time from the records' finish times: sources per minute, video-hours per day
 * (the unit large video factories are measured in) and download bytes per second, per time bucket.
 */
import type { SourceRecord } from '../types.js';

export interface ThroughputSeries {
  /** Seconds per bucket, chosen so a run of any length gives at most about MAX_BUCKETS points. */
  bucketSec: number;
  /** Bucket start times, Unix seconds. */
  time: number[];
  sourcesPerMin: number[];
  videoHoursPerDay: number[];
  bytesPerSec: number[];
}

const BUCKET_CHOICES = [5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 86400];
const MAX_BUCKETS = 120;

export function throughputSeries(records: readonly SourceRecord[]): ThroughputSeries {
  const finished = records
    .map((r) => ({ at: Date.parse(r.finishedAt) / 1000, record: r }))
    .filter((f) => Number.isFinite(f.at))
    .sort((a, b) => a.at - b.at);
  if (finished.length === 0) return { bucketSec: 60, time: [], sourcesPerMin: [], videoHoursPerDay: [], bytesPerSec: [] };
  // The run started when its first source did, not when the first one finished.
  const first = Math.min(...finished.map((f) => Date.parse(f.record.startedAt) / 1000).filter(Number.isFinite), finished[0]!.at);
  const span = finished[finished.length - 1]!.at - first;
  const bucketSec = BUCKET_CHOICES.find((b) => span / b <= MAX_BUCKETS) ?? BUCKET_CHOICES[BUCKET_CHOICES.length - 1]!;
  const origin = Math.floor(first / bucketSec) * bucketSec;
  const count = Math.floor((finished[finished.length - 1]!.at - origin) / bucketSec) + 1;
  const sources = new Array<number>(count).fill(0);
  const videoSec = new Array<number>(count).fill(0);
  const bytes = new Array<number>(count).fill(0);
  for (const { at, record } of finished) {
    const i = Math.floor((at - origin) / bucketSec);
    sources[i]!++;
    videoSec[i]! += record.probe?.durationSec ?? 0;
    // Like stats.json's bytes_downloaded: bytes fetched over the network, not files read in place.
    if (record.kind !== 'file') bytes[i]! += record.provenance?.bytes ?? 0;
  }
  return {
    bucketSec,
    time: sources.map((_, i) => origin + i * bucketSec),
    sourcesPerMin: sources.map((n) => (n * 60) / bucketSec),
    videoHoursPerDay: videoSec.map((s) => (s / 3600) * (86400 / bucketSec)),
    bytesPerSec: bytes.map((b) => b / bucketSec),
  };
}
