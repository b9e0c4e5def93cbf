/**
 * The dataset's running totals: the sum of its final parts' tallies (`index/totals.json`), kept
 * so that an append adds only the new parts' figures and never reads the old ones again.
 *
 * A change of the totals (a reduce finalising parts, a takedown rewriting some) is journalled so a
 * crash never counts a part twice nor loses one: `index/totals-journal.json` is written first, with
 * the parts about to change and the totals without them (`base`). Once the parts are final, the
 * totals become base + their final tallies and the journal is removed. A crash anywhere leaves
 * either the old totals and no journal, or the journal, which the next reduce or takedown finishes
 * the same way: base + the parts' tallies as they are then.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FatalError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/output.js';
import { indexColumns, writeDatasetCard, type IndexColumn } from './card.js';
import { INDEX_DIR, partFiles, readManifest } from './index-parts.js';
import { signalOfColumn } from './index-parquet.js';
import { addTallies, emptyTallies, statsFromTallies, subtractTallies, type PackStats, type PartTallies, type StatsOptions } from './stats.js';

const STATS_FILE = 'stats.json';
const TOTALS_FILE = path.posix.join(INDEX_DIR, 'totals.json');
const JOURNAL_FILE = path.posix.join(INDEX_DIR, 'totals-journal.json');

export interface Totals {
  version: 1;
  /** Final parts counted. */
  parts: number;
  tallies: PartTallies;
  /** The union of the final parts' index columns, in first-seen order (for the dataset card). */
  columns: IndexColumn[];
}

export interface TotalsJournal {
  /** Parts whose tallies are (re)added once they are final. */
  parts: string[];
  /** The totals without those parts. */
  base: Totals;
}

const emptyTotals = (): Totals => ({ version: 1, parts: 0, tallies: emptyTallies(), columns: [] });

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The signal names the dataset's index has columns for. */
export const knownSignals = (totals: Totals): string[] => totals.columns.flatMap((c) => signalOfColumn(c.name) ?? []);

/** The totals as last finished (nothing counted for a dataset never reduced). */
export const readTotals = async (outDir: string): Promise<Totals> =>
  (await readJson<Totals>(path.join(outDir, TOTALS_FILE))) ?? emptyTotals();

/** An update that a crash left unfinished, if any. */
export const openJournal = (outDir: string): Promise<TotalsJournal | undefined> =>
  readJson<TotalsJournal>(path.join(outDir, JOURNAL_FILE));

/**
 * Journals a change of `partIds` (pending parts to finalise, or final parts to rewrite): base =
 * the totals less the tallies those parts have now, when they are final. Refuses while another
 * change is unfinished (finish it first with `finishTotalsUpdate`).
 */
export async function beginTotalsUpdate(outDir: string, partIds: readonly string[]): Promise<TotalsJournal> {
  if (await openJournal(outDir)) throw new FatalError(`An earlier change of ${outDir} was interrupted; run the run into it again first (or pack() it from the library).`);
  const base = await readTotals(outDir);
  for (const id of partIds) {
    const manifest = await readManifest(outDir, id, 'final');
    if (!manifest) continue;
    base.tallies = subtractTallies(base.tallies, manifest.stats);
    base.parts--;
  }
  const journal: TotalsJournal = { parts: [...partIds], base };
  await writeJsonAtomic(path.join(outDir, JOURNAL_FILE), journal);
  return journal;
}

/**
 * Finishes a change a crash left unfinished whose parts are all final (a takedown's, a reduce's
 * past its last part); refuses when some are still pending (only the reduce finishes those).
 */
export async function finishInterruptedUpdate(outDir: string): Promise<void> {
  const journal = await openJournal(outDir);
  if (!journal) return;
  for (const id of journal.parts) {
    if (await readManifest(outDir, id, 'pending')) throw new FatalError(`A pack of ${outDir} was interrupted; run the run into it again first (or pack() it from the library).`);
  }
  await finishTotalsUpdate(outDir, journal);
}

function mergeColumns(into: IndexColumn[], more: readonly IndexColumn[]): void {
  const names = new Set(into.map((c) => c.name));
  for (const c of more) if (!names.has(c.name)) into.push(c), names.add(c.name);
}

/** Totals = base + the journalled parts' final tallies; written, then the journal is removed. */
export async function finishTotalsUpdate(outDir: string, journal: TotalsJournal): Promise<Totals> {
  const totals = structuredClone(journal.base);
  for (const id of journal.parts) {
    const manifest = await readManifest(outDir, id, 'final');
    if (!manifest) continue; // a part emptied away, or one a takedown deleted
    totals.tallies = addTallies(totals.tallies, manifest.stats);
    totals.parts++;
    mergeColumns(totals.columns, await indexColumns(partFiles(outDir, id, 'final').parquet));
  }
  await writeJsonAtomic(path.join(outDir, TOTALS_FILE), totals);
  await fs.rm(path.join(outDir, JOURNAL_FILE), { force: true });
  return totals;
}

/** stats.json of an output, or null when it has none (or it cannot be read). */
export const readStats = (outDir: string): Promise<PackStats | null> =>
  fs.readFile(path.join(outDir, STATS_FILE), 'utf8').then((text) => JSON.parse(text) as PackStats, () => null);

/** stats.json, README.md (Hugging Face dataset card) and croissant.json, from the totals. */
export async function writeTotalsFiles(
  outDir: string,
  totals: Totals,
  run: { startedAt: string; finishedAt: string },
  opts: StatsOptions = {},
): Promise<PackStats> {
  const stats = statsFromTallies(totals.tallies, run, opts);
  await writeFileAtomic(path.join(outDir, STATS_FILE), `${JSON.stringify(stats, null, 2)}\n`);
  await writeDatasetCard(outDir, stats, { hasCaptions: totals.tallies.clips.kept_with_caption > 0, columns: totals.columns });
  return stats;
}
