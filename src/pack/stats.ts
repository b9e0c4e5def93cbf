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
import { mixFromCategories, type MixEntry } from './mix.js';
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

/** The shard figures of a set of shards (a part's, or the dataset's). */
export function shardTotals(shards: readonly { bucket: string; clips: number; bytes: number }[]): ShardTotals {
  const clipsByBucket: Record<string, number> = {};
  for (const s of shards) clipsByBucket[s.bucket] = (clipsByBucket[s.bucket] ?? 0) + s.clips;
  return { count: shards.length, bytes: shards.reduce((sum, s) => sum + s.bytes, 0), clips_by_bucket: clipsByBucket };
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

/**
 * The additive tallies of one part (or of many: `addTallies` sums them). Every figure is a count
 * or a sum, and distinct-source counts are additive too because a source lies in exactly one
 * part, so the dataset's totals are the sum of its parts' tallies and an append adds only the new
 * parts'. Shares, throughput and the mix are derived from the sums (`statsFromTallies`).
 */
export interface PartTallies {
  sources: {
    total: number; done: number; failed: number; refused: number;
    failed_to_download: number; failed_to_subsample: number; bytes_downloaded: number; source_seconds: number;
    status_dict: Record<string, number>; by_error_code: Record<string, number>;
    refused_by_reason: Record<string, number>; done_by_licence: Record<string, number>;
  };
  clips: { total: number; kept: number; dropped: number; kept_seconds: number; kept_with_caption: number; dropped_by_reason: Record<string, number> };
  captions: CaptionTotals;
  categories: Record<string, { clips: number; hours: number }>;
  licences: Record<string, LicenseTotals>;
  hosts: Record<string, HostTotals>;
  timings: Record<string, number>;
  shards: ShardTotals;
}

/** The tallies of nothing: the shape every sum starts from. */
export function emptyTallies(): PartTallies {
  return {
    sources: {
      total: 0, done: 0, failed: 0, refused: 0, failed_to_download: 0, failed_to_subsample: 0, bytes_downloaded: 0,
      source_seconds: 0, status_dict: {}, by_error_code: {}, refused_by_reason: {}, done_by_licence: {},
    },
    clips: { total: 0, kept: 0, dropped: 0, kept_seconds: 0, kept_with_caption: 0, dropped_by_reason: {} },
    captions: { captioned: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, estimated_cost: 0, by_model: {} },
    categories: {}, licences: {}, hosts: {}, timings: {}, shards: { count: 0, bytes: 0, clips_by_bucket: {} },
  };
}

/** Below this a float sum left by subtracting a part counts as zero (hours, costs). */
const ZERO = 1e-9;

/** Adds (or with sign -1 subtracts) every number of `b` into a copy of `a`, key by key. */
function combine(a: unknown, b: unknown, sign: number): unknown {
  if (typeof a === 'number' || typeof b === 'number') return ((a as number) ?? 0) + sign * ((b as number) ?? 0);
  const out: Record<string, unknown> = {};
  const left = (a ?? {}) as Record<string, unknown>;
  const right = (b ?? {}) as Record<string, unknown>;
  for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) out[key] = combine(left[key], right[key], sign);
  return out;
}

/** True when every number under `value` is (about) zero. */
const allZero = (value: unknown): boolean =>
  typeof value === 'number' ? Math.abs(value) < ZERO : Object.values(value as Record<string, unknown>).every(allZero);

/** Drops the map entries (a licence, a host, a reason) that a subtraction left at zero. */
function pruneZeroEntries(value: unknown, depth = 0): unknown {
  if (typeof value === 'number') return Math.abs(value) < ZERO ? 0 : value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    // Depth 0 and 1 are the fixed sections and their fields; below them every key is a map entry.
    if (depth >= 1 && allZero(child)) continue;
    out[key] = pruneZeroEntries(child, depth + 1);
  }
  return out;
}

export const addTallies = (a: PartTallies, b: PartTallies): PartTallies => combine(a, b, 1) as PartTallies;

/** `a` without `b` (a part taken out of the totals, to be added again as it is rewritten). */
export const subtractTallies = (a: PartTallies, b: PartTallies): PartTallies =>
  combine(emptyTallies(), pruneZeroEntries(combine(a, b, -1)), 1) as PartTallies;

/** The tallies of some sources (their records) and their final index rows and shards. */
export function partTallies(tally: SourceTally, rows: readonly ClipRow[], shards: ShardTotals): PartTallies {
  const clips = { total: rows.length, kept: 0, dropped: 0, kept_seconds: 0, kept_with_caption: 0, dropped_by_reason: {} as Record<string, number> };
  const kept: ClipRow[] = [];
  for (const row of rows) {
    if (row.status === 'kept') {
      clips.kept++;
      clips.kept_seconds += row.duration;
      if (row.caption) clips.kept_with_caption++;
      kept.push(row);
    } else {
      clips.dropped++;
      bump(clips.dropped_by_reason, (row.reason ?? 'unspecified').split(':')[0]!.trim());
    }
  }
  const categories = Object.fromEntries(Object.entries(categoryTotals(kept)).map(([c, t]) => [c, { clips: t.clips, hours: t.hours }]));
  return {
    sources: {
      total: tally.total, done: tally.done, failed: tally.failed, refused: tally.refused,
      failed_to_download: tally.failedToDownload, failed_to_subsample: tally.failedToSubsample,
      bytes_downloaded: tally.bytesDownloaded, source_seconds: tally.sourceSeconds,
      status_dict: { ...tally.statusDict }, by_error_code: { ...tally.byErrorCode },
      refused_by_reason: { ...tally.refusedByReason }, done_by_licence: { ...tally.doneByLicence },
    },
    clips,
    captions: captionTotals(kept),
    categories,
    licences: licenseTotals(kept.map((row) => ({ sourceId: row.source_id, license: row.license, duration: row.duration }))),
    hosts: structuredClone(tally.hosts),
    timings: { ...tally.timings },
    shards: structuredClone(shards),
  };
}

const perSecond = (amount: number, seconds: number): number => (seconds > 0 ? amount / seconds : 0);

export interface StatsOptions {
  unreadable?: number;
  mixTargets?: Record<string, number>;
  /** The tallies of the parts this run added (an append): its throughput; default all of `t`. */
  runTallies?: PartTallies;
}

/**
 * stats.json from summed tallies. `run` is the wall time of the run that wrote it; `unreadable`
 * the record files this pack had to skip (they are redone, so they are not part of any tally).
 */
export function statsFromTallies(
  t: PartTallies,
  run: { startedAt: string; finishedAt: string },
  opts: StatsOptions = {},
): PackStats {
  // Throughput is of this run's work over this run's wall time, not of the whole grown dataset.
  const ran = opts.runTallies ?? t;
  const wallSec = Math.max(0, (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000) || 0;
  const s = t.sources;
  const keptHours = t.clips.kept_seconds / SECONDS_PER_HOUR;
  const categories = Object.fromEntries(
    Object.entries(t.categories).map(([c, e]) => [c, { clips: e.clips, hours: e.hours, share: keptHours > 0 ? e.hours / keptHours : 0 }]),
  );
  const mixTargets = opts.mixTargets;
  return {
    count: s.total,
    successes: s.done,
    failed_to_download: s.failed_to_download,
    failed_to_subsample: s.failed_to_subsample,
    duration: wallSec,
    bytes_downloaded: s.bytes_downloaded,
    status_dict: sortedKeys(s.status_dict),
    start_time: run.startedAt,
    end_time: run.finishedAt,
    sources: {
      total: s.total,
      done: s.done,
      failed: s.failed,
      refused: s.refused,
      unreadable: opts.unreadable ?? 0,
      by_error_code: sortedKeys(s.by_error_code),
      refused_by_reason: sortedKeys(s.refused_by_reason),
      done_by_licence: sortedKeys(s.done_by_licence),
    },
    clips: { total: t.clips.total, kept: t.clips.kept, dropped: t.clips.dropped, dropped_by_reason: sortedKeys(t.clips.dropped_by_reason) },
    hours: { source_video_hours: s.source_seconds / SECONDS_PER_HOUR, kept_clip_hours: keptHours },
    captions: { ...t.captions, by_model: sortedKeys(t.captions.by_model) },
    categories: sortedKeys(categories),
    licences: sortedKeys(t.licences),
    hosts: sortedKeys(Object.fromEntries(Object.entries(t.hosts).map(([h, e]) => [h, { ...e, failures_by_code: sortedKeys(e.failures_by_code) }]))),
    timings: sortedKeys(t.timings),
    throughput: {
      sources_per_sec: perSecond(ran.sources.total, wallSec),
      kept_clips_per_sec: perSecond(ran.clips.kept, wallSec),
      video_hours_per_hour: perSecond(ran.sources.source_seconds, wallSec),
      bytes_downloaded_per_sec: perSecond(ran.sources.bytes_downloaded, wallSec),
    },
    shards: { ...t.shards, clips_by_bucket: sortedKeys(t.shards.clips_by_bucket) },
    ...(mixTargets && Object.keys(mixTargets).length > 0 ? { mix: { targets: mixTargets, by_category: mixFromCategories(t.categories, mixTargets) } } : {}),
  };
}
