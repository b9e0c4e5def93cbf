/**
 * Recheck: asks the origin of every admitted web source of a finished dataset whether it is still
 * there (see recheck-origin.ts), and takes down what its author removed or has since opted out,
 * through the same takedown as a request (`takedowns.jsonl`, only the shards holding the clips
 * rewritten, index and stats refreshed). Each check is logged in `rechecks.jsonl`.
 *
 * A host that cannot be reached at all (refused, name not resolved) is asked once: its other
 * sources are not asked, and it is reported as one host, not as many unknown sources.
 * Takedowns come after all checks; a run killed before them leaves gone sources in the log,
 * and those are never "recently checked", so the next recheck asks again and takes them down.
 */
import { runPool } from '../executors/local.js';
import { hostOf } from '../fetch/politeness.js';
import { readSourceRecords } from '../pack/records.js';
import type { RecheckEntry } from './recheck-log.js';
import { appendRecheck, compactRecheckLog, readRecheckLog } from './recheck-log.js';
import { recheckTarget, type OriginCheck, type RecheckOutcome, type RecheckTarget } from './recheck-origin.js';
import { takedown, type TakedownResult } from './takedown.js';

/** What happens to a source whose file changed since it was fetched. */
export type OnChange = 'keep' | 'takedown' | 'report';

export interface RecheckOptions {
  /** Sources checked less than this long ago (milliseconds) are not asked again; undefined asks all. */
  olderThanMs?: number;
  /** Ask, list, change nothing (no takedown, no log). */
  dryRun: boolean;
  onChange: OnChange;
  /** Sources checked at once; the per-host limits of the check still apply. */
  concurrency: number;
  /** Checks one source: in this process, or as a queue job. */
  check: (target: RecheckTarget, signal: AbortSignal) => Promise<OriginCheck>;
  signal?: AbortSignal;
  /** Hears the report so far after each check (for progress lines). */
  onChecked?: (report: Readonly<RecheckReport>) => void;
}

export interface RecheckResult extends RecheckEntry {
  /** What this recheck does (or, in a dry run, would do) with the source. */
  action: 'take down' | 'keep';
}

export interface UnreachableHost {
  host: string;
  /** Sources of the host left unchecked (and kept), the one that found it unreachable included. */
  sources: number;
  reason: string;
}

export interface RecheckReport {
  started_at: string;
  finished_at: string;
  dry_run: boolean;
  on_change: OnChange;
  sources: {
    /** Sources with clips in the dataset (status done). */
    admitted: number;
    /** Local files: no origin to ask. */
    local: number;
    /** Checked within --older-than, not asked again. */
    fresh: number;
    checked: number;
    /** Of hosts found unreachable, not asked. */
    not_asked: number;
  };
  outcomes: Record<RecheckOutcome, number>;
  /**
   * Every checked source that is not present, except changed ones under `--on-change keep` (only
   * counted) and those of unreachable hosts (in `unreachable_hosts`).
   */
  results: RecheckResult[];
  unreachable_hosts: UnreachableHost[];
  /** One takedown per reason (empty in a dry run). */
  takedowns: TakedownResult[];
}

function actionFor(outcome: RecheckOutcome, onChange: OnChange): RecheckResult['action'] {
  if (outcome === 'gone' || outcome === 'opted_out') return 'take down';
  return outcome === 'changed' && onChange === 'takedown' ? 'take down' : 'keep';
}

/** The words of the takedowns.jsonl entry: one entry per distinct wording. */
function ledgerReason(r: RecheckResult): string {
  if (r.outcome === 'gone') return `source gone: ${r.reason}`;
  if (r.outcome === 'opted_out') return `opted out: ${r.reason}`;
  return 'source changed since it was fetched (see rechecks.jsonl)';
}

/** "checked <time>", or the span of times of a group checked over a while. */
function checkedWhen(results: readonly RecheckResult[]): string {
  const times = results.map((r) => r.checked_at).sort();
  const first = times[0]!;
  const last = times[times.length - 1]!;
  return first === last ? `checked ${first}` : `checked ${first} to ${last}`;
}

const hostKey = (uri: string): string => {
  try {
    return hostOf(uri);
  } catch {
    return uri;
  }
};

const byId = (a: { source: string }, b: { source: string }): number => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);

export async function recheck(outDir: string, opts: RecheckOptions): Promise<RecheckReport> {
  const report: RecheckReport = {
    started_at: new Date().toISOString(),
    finished_at: '',
    dry_run: opts.dryRun,
    on_change: opts.onChange,
    sources: { admitted: 0, local: 0, fresh: 0, checked: 0, not_asked: 0 },
    outcomes: { present: 0, gone: 0, changed: 0, opted_out: 0, unknown: 0 },
    results: [],
    unreachable_hosts: [],
    takedowns: [],
  };
  const log = await readRecheckLog(outDir);
  const cutoff = opts.olderThanMs === undefined ? undefined : Date.now() - opts.olderThanMs;
  // A source last found gone (or to be taken down) is asked again: its takedown may not have happened.
  const isFresh = (entry: RecheckEntry | undefined): boolean =>
    entry !== undefined && cutoff !== undefined && Date.parse(entry.checked_at) >= cutoff && actionFor(entry.outcome, opts.onChange) === 'keep';

  async function* targets(): AsyncGenerator<RecheckTarget> {
    for await (const record of readSourceRecords(outDir)) {
      if (record.status !== 'done') continue;
      report.sources.admitted++;
      const target = recheckTarget(record);
      if (!target) report.sources.local++;
      else if (isFresh(log.get(record.id))) report.sources.fresh++;
      else yield target;
    }
  }

  const unreachable = new Map<string, UnreachableHost>();
  const checkOne = async (target: RecheckTarget, host: string, signal: AbortSignal): Promise<void> => {
    const check = await opts.check(target, signal);
    const entry: RecheckEntry = { source: target.id, uri: target.uri, checked_at: new Date().toISOString(), outcome: check.outcome, reason: check.reason };
    report.sources.checked++;
    report.outcomes[check.outcome]++;
    if (check.hostUnreachable) {
      const known = unreachable.get(host);
      if (known) known.sources++;
      else unreachable.set(host, { host, sources: 1, reason: check.reason });
    } else if (check.outcome !== 'present' && !(check.outcome === 'changed' && opts.onChange === 'keep')) {
      report.results.push({ ...entry, action: actionFor(check.outcome, opts.onChange) });
    }
    if (!opts.dryRun) await appendRecheck(outDir, entry);
    opts.onChecked?.(report);
  };
  // The first check of each host goes alone: when it finds the host unreachable, the rest of its sources are not asked.
  const firstChecks = new Map<string, Promise<void>>();
  await runPool(targets(), opts.concurrency, async (target, signal) => {
    const host = hostKey(target.uri);
    const first = firstChecks.get(host);
    if (!first) {
      const checking = checkOne(target, host, signal);
      firstChecks.set(host, checking.catch(() => {}));
      return checking;
    }
    await first;
    const down = unreachable.get(host);
    if (!down) return checkOne(target, host, signal);
    down.sources++;
    report.sources.not_asked++;
  }, opts.signal);
  report.results.sort(byId);
  report.unreachable_hosts = [...unreachable.values()].sort((a, b) => (a.host < b.host ? -1 : 1));

  if (!opts.dryRun) {
    const groups = new Map<string, RecheckResult[]>();
    for (const r of report.results) {
      if (r.action !== 'take down') continue;
      const reason = ledgerReason(r);
      groups.set(reason, [...(groups.get(reason) ?? []), r]);
    }
    for (const [reason, results] of groups) {
      report.takedowns.push(await takedown(outDir, results.map((r) => r.source), `${reason} (${checkedWhen(results)})`));
    }
    await compactRecheckLog(outDir);
  }
  report.finished_at = new Date().toISOString();
  return report;
}
