/**
 * The figures the dashboard and the report show, computed from a dataset snapshot: totals,
 * throughput, stage times, failures and refusals with examples, what each filter dropped,
 * licence / category / host mix, and histograms of clip measures.
 */
import { hostOfRecord } from '../fetch/politeness.js';
import type { PackStats } from '../pack/index.js';
import { UNKNOWN } from '../policy/licenses.js';
import type { SourceRecord } from '../types.js';
import type { ClipView, DatasetSnapshot } from './dataset.js';
import { categoryOf } from './dataset.js';
import { clipHistograms, type Histogram } from './histogram.js';
import { withTargets, type Targets } from './targets.js';
import { throughputSeries, type ThroughputSeries } from './throughput.js';

/** Examples shown per failure code, refusal reason or filter. */
const EXAMPLES = 4;

export interface SourceExample {
  sourceId: string;
  uri: string;
  message: string;
}

export interface CountWithExamples {
  key: string;
  count: number;
  examples: SourceExample[];
}

export interface FilterEffect {
  filter: string;
  clips: number;
  hours: number;
  /** Ids of a few clips it dropped. */
  examples: string[];
}

export interface MixRow {
  key: string;
  sources: number;
  keptClips: number;
  keptHours: number;
  /** Categories only: the share of all kept hours, and the share wanted (with --targets). */
  share?: number;
  target?: number;
}

export interface StageTime {
  stage: string;
  seconds: number;
  /** Mean seconds per source that has the stage. */
  mean: number;
}

export interface Overview {
  generatedAt: string;
  packed: boolean;
  totals: {
    sources: number;
    done: number;
    failed: number;
    refused: number;
    clips: number;
    kept: number;
    dropped: number;
    sourceHours: number;
    keptHours: number;
    bytesDownloaded: number;
  };
  throughput: ThroughputSeries;
  stages: StageTime[];
  failures: CountWithExamples[];
  refusals: CountWithExamples[];
  filters: FilterEffect[];
  licences: MixRow[];
  categories: MixRow[];
  hosts: MixRow[];
  resolutions: { key: string; count: number }[];
  histograms: Histogram[];
  stats: PackStats | null;
}

const byCountThenKey = <T extends { key: string }>(count: (t: T) => number) => (a: T, b: T): number =>
  count(b) - count(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Records of one status grouped by error code, largest group first, with a few examples each. */
function groupByCode(records: readonly SourceRecord[], status: SourceRecord['status']): CountWithExamples[] {
  const groups = new Map<string, CountWithExamples>();
  for (const r of records) {
    if (r.status !== status) continue;
    const key = r.error?.code ?? 'unspecified';
    const group = groups.get(key) ?? { key, count: 0, examples: [] };
    group.count++;
    if (group.examples.length < EXAMPLES) group.examples.push({ sourceId: r.id, uri: r.uri, message: r.error?.message ?? '' });
    groups.set(key, group);
  }
  return [...groups.values()].sort(byCountThenKey((g) => g.count));
}

function filterEffects(clips: readonly ClipView[]): FilterEffect[] {
  const effects = new Map<string, FilterEffect>();
  for (const c of clips) {
    if (c.status !== 'dropped') continue;
    const filter = c.filter ?? 'unspecified';
    const effect = effects.get(filter) ?? { filter, clips: 0, hours: 0, examples: [] };
    effect.clips++;
    effect.hours += c.duration / 3600;
    if (effect.examples.length < EXAMPLES) effect.examples.push(c.id);
    effects.set(filter, effect);
  }
  return [...effects.values()].sort((a, b) => b.clips - a.clips || (a.filter < b.filter ? -1 : 1));
}

/** Sources (with any record) and kept clips per key; a source counts under each key its clips have. */
function mix(records: readonly SourceRecord[], clips: readonly ClipView[], keyOfSource: (r: SourceRecord) => string | null, keyOfClip: (c: ClipView) => string | null): MixRow[] {
  const rows = new Map<string, MixRow>();
  const row = (key: string): MixRow => {
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { key, sources: 0, keptClips: 0, keptHours: 0 }));
    return r;
  };
  for (const r of records) {
    const key = keyOfSource(r);
    if (key !== null) row(key).sources++;
  }
  for (const c of clips) {
    const key = keyOfClip(c);
    if (c.status !== 'kept' || key === null) continue;
    row(key).keptClips++;
    row(key).keptHours += c.duration / 3600;
  }
  return [...rows.values()].sort(byCountThenKey((r) => r.keptClips * 1e6 + r.sources));
}

function stageTimes(records: readonly SourceRecord[]): StageTime[] {
  const sums = new Map<string, { seconds: number; n: number }>();
  for (const r of records) {
    for (const [stage, seconds] of Object.entries(r.timings ?? {})) {
      const s = sums.get(stage) ?? { seconds: 0, n: 0 };
      s.seconds += seconds;
      s.n++;
      sums.set(stage, s);
    }
  }
  return [...sums.entries()].map(([stage, s]) => ({ stage, seconds: s.seconds, mean: s.seconds / s.n })).sort((a, b) => b.seconds - a.seconds);
}

function resolutions(clips: readonly ClipView[]): { key: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const c of clips) {
    if (c.status !== 'kept' || !c.width || !c.height) continue;
    const key = `${c.width}x${c.height}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].map(([key, count]) => ({ key, count })).sort(byCountThenKey((r) => r.count));
}

/** `targets`: from --targets; without it, the mix targets the dataset was packed with (stats.json), if any. */
export function overviewOf(snapshot: DatasetSnapshot, given?: Targets): Overview {
  const { records, clips } = snapshot;
  const targets = given ?? snapshot.stats?.mix?.targets;
  const kept = clips.filter((c) => c.status === 'kept');
  const countStatus = (status: SourceRecord['status']) => records.filter((r) => r.status === status).length;
  // A preset labels clips, not sources: such a source counts under its first clip's label.
  const categoryOfSource = (r: SourceRecord) => categoryOf(r) ?? (r.clips[0] ? categoryOf(r, r.clips[0]) : null);
  const hostOfSource = new Map(records.map((r) => [r.id, hostOfRecord(r)]));
  return {
    generatedAt: new Date().toISOString(),
    packed: snapshot.packed,
    totals: {
      sources: records.length,
      done: countStatus('done'),
      failed: countStatus('failed'),
      refused: countStatus('refused'),
      clips: clips.length,
      kept: kept.length,
      dropped: clips.length - kept.length,
      sourceHours: records.reduce((sum, r) => sum + (r.status === 'done' ? (r.probe?.durationSec ?? 0) : 0), 0) / 3600,
      keptHours: kept.reduce((sum, c) => sum + c.duration, 0) / 3600,
      bytesDownloaded: records.reduce((sum, r) => sum + (r.kind !== 'file' ? (r.provenance?.bytes ?? 0) : 0), 0),
    },
    throughput: throughputSeries(records),
    stages: stageTimes(records),
    failures: groupByCode(records, 'failed'),
    refusals: groupByCode(records, 'refused'),
    filters: filterEffects(clips),
    licences: mix(records, clips, (r) => r.license ?? UNKNOWN, (c) => c.license),
    categories: withTargets(mix(records, clips, categoryOfSource, (c) => c.category), targets),
    hosts: mix(records, clips, hostOfRecord, (c) => hostOfSource.get(c.sourceId) ?? null),
    resolutions: resolutions(clips),
    histograms: clipHistograms(clips),
    stats: snapshot.stats,
  };
}
