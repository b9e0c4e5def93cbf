/**
 * The sources a run still has to do, for every executor alike: read from the inputs as the run's
 * config says, bad manifest rows reported, and sources an earlier run finished skipped (a record
 * that is not a transient failure). The output store is the truth, so nothing is done twice.
 */
import type { RunProgress } from '../cli/progress.js';
import type { RunConfig } from '../config/schema.js';
import { isRowError, readInputs } from '../sources/index.js';
import type { OutputDir } from '../store/output.js';
import type { RowError, Source } from '../types.js';

/** What reading the inputs is reported to (a RunProgress). */
export type InputEvents = Pick<RunProgress, 'badRow' | 'sourceSeen' | 'skipped' | 'inputsExhausted'>;

export interface PendingTally {
  seen: number;
  /** Finished by an earlier run. */
  skipped: number;
  badRows: number;
}

/** The sources of a run's inputs, read as its config says. */
export function readRunInputs(inputs: string[], cfg: RunConfig): AsyncGenerator<Source | RowError> {
  return readInputs(inputs, { urlColumn: cfg.urlColumn, preset: cfg.preset, licenseColumn: cfg.policy.licenseColumn });
}

/**
 * Sources looked up in the record store at once: a resume over millions of sources waits on many
 * file checks together instead of one after another (on network storage, one round trip each).
 */
const LOOKUP_BATCH = 64;

/** Sources still to do: unseen ones, and earlier failures that may succeed on a retry. */
export async function* pendingSources(
  out: OutputDir,
  inputs: string[],
  cfg: RunConfig,
  events?: InputEvents,
  tally: PendingTally = { seen: 0, skipped: 0, badRows: 0 },
): AsyncGenerator<Source> {
  let batch: Source[] = [];
  async function* unfinished(): AsyncGenerator<Source> {
    const finished = await Promise.all(batch.map((s) => out.records.isFinished(s.id)));
    for (const [i, source] of batch.entries()) {
      if (!finished[i]) yield source;
      else {
        tally.skipped++;
        events?.skipped();
      }
    }
    batch = [];
  }
  for await (const item of readRunInputs(inputs, cfg)) {
    if (isRowError(item)) {
      tally.badRows++;
      events?.badRow(item);
      continue;
    }
    tally.seen++;
    events?.sourceSeen();
    batch.push(item);
    if (batch.length === LOOKUP_BATCH) yield* unfinished();
  }
  yield* unfinished();
  events?.inputsExhausted();
}
