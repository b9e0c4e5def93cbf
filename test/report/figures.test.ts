/** The figures behind the charts, on hand-made clips and records whose answers are known. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClipView } from '../../src/report/dataset.js';
import { clipHistograms } from '../../src/report/histogram.js';
import { throughputSeries } from '../../src/report/throughput.js';
import type { SourceRecord } from '../../src/types.js';

const clip = (duration: number, status: 'kept' | 'dropped', fps = 25): ClipView => ({
  id: `c${duration}${status}`, sourceId: 's', status, filter: status === 'dropped' ? 'static' : null, reason: null, duplicateOf: null,
  start: 0, end: duration, duration, width: 320, height: 180, fps, license: 'CC0-1.0', category: null, caption: null, file: null, shard: null, signals: {},
});

const record = (finishedAt: string, durationSec: number, bytes: number, kind: SourceRecord['kind'] = 'http'): SourceRecord => ({
  version: 1, id: finishedAt, uri: `https://example.com/${finishedAt}`, kind, status: 'done', origin: { input: 'm.csv' }, metadata: {}, clips: [],
  timings: {}, startedAt: finishedAt, finishedAt,
  probe: { container: 'mp4', durationSec, sizeBytes: bytes, video: { codec: 'h264', width: 320, height: 180, fps: 25, frameCount: 1, frameCountExact: true, rotation: 0, variableFrameRate: false } },
  provenance: { finalUri: '', retrievedAt: finishedAt, bytes, sha256: '' },
});

describe('chart figures', () => {
  it('histograms count kept and dropped clips apart, every clip in one bin', () => {
    const clips = [clip(2, 'kept'), clip(3, 'kept'), clip(10, 'dropped'), clip(6, 'kept')];
    const duration = clipHistograms(clips).find((h) => h.name === 'duration')!;
    assert.equal(duration.kept.reduce((a, b) => a + b), 3);
    assert.equal(duration.dropped.reduce((a, b) => a + b), 1);
    assert.equal(duration.dropped.at(-1), 1, 'the largest value lands in the last bin');
    assert.equal(duration.edges[0], 2);
  });

  it('values that differ only by rounding make one bin, not twenty slivers', () => {
    const fps = clipHistograms([clip(2, 'kept', 25), clip(3, 'kept', 25.000000001)]).find((h) => h.name === 'fps')!;
    assert.deepEqual(fps.kept, [2]);
  });

  it('throughput buckets give back every source, video second and byte', () => {
    const records = [
      record('2024-01-01T00:00:00.000Z', 3600, 1000),
      record('2024-01-01T00:00:30.000Z', 1800, 500),
      record('2024-01-01T00:09:59.000Z', 900, 0, 'file'),
    ];
    const s = throughputSeries(records);
    assert.equal(s.bucketSec, 5);
    const perBucket = (rates: number[], scale: number) => rates.reduce((a, b) => a + b, 0) * scale;
    assert.equal(Math.round(perBucket(s.sourcesPerMin, s.bucketSec / 60)), 3);
    assert.equal(perBucket(s.videoHoursPerDay, s.bucketSec / 86400), 1.75);
    // Files read in place are not downloads, as in stats.json.
    assert.equal(perBucket(s.bytesPerSec, s.bucketSec), 1500);
  });
});
