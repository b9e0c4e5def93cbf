/**
 * `stats.json`: the fields img2dataset and video2dataset users know, counted per source
 * (count, successes, failed_to_download, failed_to_subsample, status_dict, bytes_downloaded,
 * duration, start/end time), plus clip, hour, licence, timing and throughput totals.
 *
 * Source figures come from the records (streamed through a SourceTally); clip figures come
 * from the final index rows, so duplicates and missing files that pack dropped are counted.
 * count = successes + failed_to_download + failed_to_subsample + refused: a failure whose
 * code says the bytes could not be had is a download failure, any other failure (probe,
 * decode, encode, ...) is a subsample failure, and refusals are counted on their own.
 */
import { ErrorCode } from '../errors.js';
import { hostOfRecord } from '../fetch/politeness.js';
import { UNKNOWN } from '../policy/licenses.js';
import { licenseTotals, type LicenseTotals } from '../policy/license-totals.js';
import type { SourceRecord } from '../types.js';
import type { ClipRow } from './rows.js';
import { mixReport, type MixEntry } from './mix.js';
import { captionTotals, categoryTotals, type CaptionTotals, type CategoryTotals } from './describe-totals.js';

const DOWNLOAD_FAILURES = new Set<string>([
  ErrorCode.HttpNotFound, ErrorCode.HttpForbidden, ErrorCode.HttpError, ErrorCode.RateLimited,
  ErrorCode.Timeout, ErrorCode.NetworkError, ErrorCode.TooLarge, ErrorCode.FileNotFound, ErrorCode.Unavailable,
]);
const SECONDS_PER_HOUR = 3600;

/** Sources of one host (`host[:port]` of the URI; `local` for files), from the records alone. */
export interface HostTotals {
  sources: number;
  done: number;
  failed: number;
  /** Bytes fetched from the host (read in place, for `local`). */
  bytes: number;
  failures_by_code: Record<string, number>;
}

export interface ShardTotals {
  count: number;
  bytes: number;
  /** Kept clips per bucket. */
  clips_by_bucket: Record<string, number>;
}

export interface PackStats {
  count: number;
  successes: number;
  failed_to_download: number;
  failed_to_subsample: number;
  /** Wall seconds of the run. */
  duration: number;
  /** Bytes fetched over the network (http, yt-dlp); local files are read in place. */
  bytes_downloaded: number;
  /** Sources by outcome: `success` or the error code. */
  status_dict: Record<string, number>;
  start_time: string;
  end_time: string;
  sources: {
    total: number;
    done: number;
    failed: number;
    refused: number;
    /** Record files skipped as partial or unreadable. */
    unreadable: number;
    by_error_code: Record<string, number>;
    refused_by_reason: Record<string, number>;
    /** Sources admitted and processed (status done) per licence, unknown included. */
    done_by_licence: Record<string, number>;
  };
  clips: {
    total: number;
    kept: number;
    dropped: number;
    /** Dropped clips by the reason's prefix before ':' (the filter name, `duplicate`, `missing_file`). */
    dropped_by_reason: Record<string, number>;
  };
  hours: { source_video_hours: number; kept_clip_hours: number };
  /** Kept clips captioned by a model, still failing, and what the captions cost (see describe-totals.ts). */
  captions: CaptionTotals;
  /** Kept clips and hours per content category (`uncategorised` when none was assigned). */
  categories: Record<string, CategoryTotals>;
  /** Achieved vs target share of kept hours per category, when the config sets targets. */
  mix?: { targets: Record<string, number>; by_category: Record<string, MixEntry> };
  /** Per licence: sources with kept clips in the index, those clips and their hours (see license-totals.ts). */
  licences: Record<string, LicenseTotals>;
  /** Per host, so a distributed run's stats need nothing but the records. */
  hosts: Record<string, HostTotals>;
  /** Seconds per stage, summed over sources. */
  timings: Record<string, number>;
  throughput: {
    sources_per_sec: number;
    kept_clips_per_sec: number;
    /** Hours of source video processed per wall-clock hour. */
    video_hours_per_hour: number;
    bytes_downloaded_per_sec: number;
  };
  shards: ShardTotals;
}

const bump = (counts: Record<string, number>, key: string, by = 1): void => {
  counts[key] = (counts[key] ?? 0) + by;
};

/** Sorted copy, so stats.json lists keys in the same order on every run. */
const sortedKeys = <T>(object: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Source-level counts, accumulated one record at a time. */
export class SourceTally {
  total = 0;
  done = 0;
  failed = 0;
  refused = 0;
  unreadable = 0;
  failedToDownload = 0;
  failedToSubsample = 0;
  bytesDownloaded = 0;
  sourceSeconds = 0;
  readonly statusDict: Record<string, number> = {};
  readonly byErrorCode: Record<string, number> = {};
  readonly refusedByReason: Record<string, number> = {};
  readonly doneByLicence: Record<string, number> = {};
  readonly timings: Record<string, number> = {};
  readonly hosts: Record<string, HostTotals> = {};

  add(record: SourceRecord): void {
    this.total++;
    this.addToHost(record);
    for (const [stage, seconds] of Object.entries(record.timings)) bump(this.timings, stage, seconds);
    if (record.kind !== 'file' && record.provenance) this.bytesDownloaded += record.provenance.bytes;
    const code = record.error?.code ?? ErrorCode.Internal;
    if (record.status === 'done') {
      this.done++;
      bump(this.statusDict, 'success');
      bump(this.doneByLicence, record.license ?? UNKNOWN);
      this.sourceSeconds += record.probe?.durationSec ?? 0;
    } else if (record.status === 'refused') {
      this.refused++;
      bump(this.statusDict, code);
      bump(this.refusedByReason, code);
    } else {
      this.failed++;
      bump(this.statusDict, code);
      bump(this.byErrorCode, code);
      if (DOWNLOAD_FAILURES.has(code)) this.failedToDownload++;
      else this.failedToSubsample++;
    }
  }

  private addToHost(record: SourceRecord): void {
    const host = (this.hosts[hostOfRecord(record)] ??= { sources: 0, done: 0, failed: 0, bytes: 0, failures_by_code: {} });
    host.sources++;
    host.bytes += record.provenance?.bytes ?? 0;
    if (record.status === 'done') host.done++;
    else if (record.status === 'failed') {
      host.failed++;
      bump(host.failures_by_code, record.error?.code ?? ErrorCode.Internal);
    }
  }
}

/** Clip counts, hours and licence totals from index rows. */
function clipTotals(rows: readonly ClipRow[]): Pick<PackStats, 'clips' | 'licences' | 'captions' | 'categories'> & { keptSeconds: number } {
  const clips = { total: rows.length, kept: 0, dropped: 0, dropped_by_reason: {} as Record<string, number> };
  const kept: ClipRow[] = [];
  let keptSeconds = 0;
  for (const row of rows) {
    if (row.status === 'kept') {
      clips.kept++;
      keptSeconds += row.duration;
      kept.push(row);
    } else {
      clips.dropped++;
      bump(clips.dropped_by_reason, (row.reason ?? 'unspecified').split(':')[0]!.trim());
    }
  }
  clips.dropped_by_reason = sortedKeys(clips.dropped_by_reason);
  const licences = licenseTotals(kept.map((row) => ({ sourceId: row.source_id, license: row.license, duration: row.duration })));
  return { clips, licences, captions: captionTotals(kept), categories: sortedKeys(categoryTotals(kept)), keptSeconds };
}

const perSecond = (amount: number, seconds: number): number => (seconds > 0 ? amount / seconds : 0);

export function buildStats(
  tally: SourceTally,
  rows: readonly ClipRow[],
  run: { startedAt: string; finishedAt: string },
  shards: ShardTotals,
  mixTargets?: Record<string, number>,
): PackStats {
  const wallSec = Math.max(0, (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000) || 0;
  const { clips, licences, captions, categories, keptSeconds } = clipTotals(rows);
  return {
    count: tally.total,
    successes: tally.done,
    failed_to_download: tally.failedToDownload,
    failed_to_subsample: tally.failedToSubsample,
    duration: wallSec,
    bytes_downloaded: tally.bytesDownloaded,
    status_dict: sortedKeys(tally.statusDict),
    start_time: run.startedAt,
    end_time: run.finishedAt,
    sources: {
      total: tally.total,
      done: tally.done,
      failed: tally.failed,
      refused: tally.refused,
      unreadable: tally.unreadable,
      by_error_code: sortedKeys(tally.byErrorCode),
      refused_by_reason: sortedKeys(tally.refusedByReason),
      done_by_licence: sortedKeys(tally.doneByLicence),
    },
    clips,
    hours: { source_video_hours: tally.sourceSeconds / SECONDS_PER_HOUR, kept_clip_hours: keptSeconds / SECONDS_PER_HOUR },
    captions,
    categories,
    licences,
    hosts: sortedKeys(
      Object.fromEntries(Object.entries(tally.hosts).map(([h, t]) => [h, { ...t, failures_by_code: sortedKeys(t.failures_by_code) }])),
    ),
    timings: sortedKeys(tally.timings),
    throughput: {
      sources_per_sec: perSecond(tally.total, wallSec),
      kept_clips_per_sec: perSecond(clips.kept, wallSec),
      video_hours_per_hour: perSecond(tally.sourceSeconds, wallSec),
      bytes_downloaded_per_sec: perSecond(tally.bytesDownloaded, wallSec),
    },
    shards: { ...shards, clips_by_bucket: sortedKeys(shards.clips_by_bucket) },
    ...(mixTargets && Object.keys(mixTargets).length > 0 ? { mix: { targets: mixTargets, by_category: mixReport(rows.filter((r) => r.status === 'kept'), mixTargets) } } : {}),
  };
}
