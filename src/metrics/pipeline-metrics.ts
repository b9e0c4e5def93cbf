/**
 * Prometheus metrics of the sources a process finished: sources by status and error code, clips
 * kept and dropped by reason, video seconds in, bytes downloaded and stage durations. Counted
 * the way stats.json counts them, so the two agree for one process's share of a run. Each
 * instance has its own registry (several can live in one process, as in tests).
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SourceRecord } from '../types.js';

/** Stage durations from tenths of a second to an hour. */
const STAGE_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];
const NONE = 'none';

export class PipelineMetrics {
  readonly registry = new Registry();
  private readonly sources = new Counter({
    name: 'clipmill_sources_total', help: 'Sources finished, by status (done, failed, refused) and error code (none when done).',
    labelNames: ['status', 'code'] as const, registers: [this.registry],
  });
  private readonly clips = new Counter({
    name: 'clipmill_clips_total', help: 'Clips of finished sources, by status (kept, dropped) and the filter that dropped them (none when kept).',
    labelNames: ['status', 'reason'] as const, registers: [this.registry],
  });
  private readonly videoSeconds = new Counter({
    name: 'clipmill_video_seconds_total', help: 'Seconds of source video processed (sources done).', registers: [this.registry],
  });
  private readonly bytesDownloaded = new Counter({
    name: 'clipmill_bytes_downloaded_total', help: 'Bytes fetched over the network (local files are read in place and not counted).', registers: [this.registry],
  });
  private readonly stageSeconds = new Histogram({
    name: 'clipmill_stage_duration_seconds', help: 'Seconds a source spent in each stage (fetch, probe, analyse, extract, total).',
    labelNames: ['stage'] as const, buckets: STAGE_BUCKETS, registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'clipmill_process_' });
    // Zero series up front, so a dashboard shows 0 rather than no data before the first source ends.
    this.sources.inc({ status: 'done', code: NONE }, 0);
    this.clips.inc({ status: 'kept', reason: NONE }, 0);
  }

  observe(record: SourceRecord): void {
    this.sources.inc({ status: record.status, code: record.status === 'done' ? NONE : (record.error?.code ?? 'internal_error') });
    for (const clip of record.clips) {
      const reason = clip.status === 'kept' ? NONE : (clip.reason ?? 'unspecified').split(':')[0]!.trim();
      this.clips.inc({ status: clip.status, reason });
    }
    if (record.status === 'done') this.videoSeconds.inc(record.probe?.durationSec ?? 0);
    if (record.kind !== 'file') this.bytesDownloaded.inc(record.provenance?.bytes ?? 0);
    for (const [stage, seconds] of Object.entries(record.timings ?? {})) this.stageSeconds.observe({ stage }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
