/**
 * The sweep, the reduce's first step: it brings an output folder whose writers may have been
 * killed anywhere to a state where every finished source lies in exactly one committed part.
 *
 * 1. A part that was started (journal) but has no manifest never existed: its tars, Parquet file
 *    and temporary files are removed. A started part that has its manifest only loses its journal.
 *    A folder of the first layout (one index.parquet) has its sources marked (part-adopt.ts); its
 *    old shards and index go once step 4 has committed them.
 * 2. A marker whose source is in a pending part (its writer died before step 4) is cleaned with
 *    the source's staged clips, unless the marker is newer than that part's manifest (the source
 *    was redone since, e.g. after a transient failure): then it counts as not committed.
 * 3. A marker without a record (a task killed between the two), or whose record does not parse,
 *    goes with its staged clips: the next run does the source again. A record that cannot be read
 *    now (EMFILE, EIO: maybe transient) or that names another source than its marker (an id like
 *    "../x" would lead the commit's deletes out of the folder) is left alone, marker and clips
 *    kept, and reported: a later sweep tries again.
 * 4. Every other marked source is committed into new parts by the same PartCollector a worker uses.
 *
 * Idempotent: a sweep killed anywhere is finished by the next one. It must run while no writer of
 * the folder is live: a local run sweeps after its own collector flushed, a queued run's pack job
 * once every worker's staged sources are committed or its lease lapsed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { OutputDir } from '../store/output.js';
import { flatRecordRelPath, recordRelPath } from '../store/record-store.js';
import type { SourceRecord } from '../types.js';
import { listParts, partFiles, readManifest, type PartState } from './index-parts.js';
import { adoptFlatLayout } from './part-adopt.js';
import { removeJournal, startedParts } from './part-layout.js';
import { isSafeSourceId, pendingMarkerTimes } from './part-markers.js';
import { PartCollector, releaseSource, removeUncommittedPart, type PartWriterOptions } from './part-writer.js';

export interface SweepSummary {
  /** Parts started by a writer that died before their manifest; their files are gone. */
  removedParts: string[];
  /** Sources committed now, whose writer died before committing them. */
  committedSources: number;
  /** Markers (and staged clips) of sources already in a committed part. */
  cleanedSources: number;
  /** Markers without a record (or with one that does not parse): their sources will be done again. */
  forgottenSources: number;
  /** Marked sources left as they are, with why: their record could not be read now, or names another source. */
  heldSources: { id: string; problem: string }[];
  /** Sources of a folder of the first layout (one index.parquet) marked to be committed into parts. */
  adoptedSources: number;
}

const hasManifest = (outDir: string, state: PartState, partId: string): Promise<boolean> =>
  fs.stat(partFiles(outDir, partId, state).manifest).then(() => true, () => false);
const isCommitted = async (outDir: string, partId: string): Promise<boolean> =>
  (await hasManifest(outDir, 'pending', partId)) || hasManifest(outDir, 'final', partId);

/** Source id -> mtime (ms) of the manifest of the pending part that holds it. */
async function pendingSourceTimes(outDir: string): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  for (const partId of await listParts(outDir, 'pending')) {
    const manifest = await readManifest(outDir, partId, 'pending');
    if (!manifest) continue;
    const { mtimeMs } = await fs.stat(partFiles(outDir, partId, 'pending').manifest);
    for (const id of manifest.sources) times.set(id, Math.max(times.get(id) ?? 0, mtimeMs));
  }
  return times;
}

/** A marked source's record, as the sweep finds it (see step 3 above). */
type MarkedRecord = { record: SourceRecord } | { gone: true } | { problem: string };

async function readMarkedRecord(out: OutputDir, sourceId: string): Promise<MarkedRecord> {
  let text: string | undefined;
  // Its shard folder first, then the flat layout of earlier versions.
  for (const rel of [recordRelPath(sourceId), flatRecordRelPath(sourceId)]) {
    try {
      text = await fs.readFile(path.join(out.root, rel), 'utf8');
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return { problem: `its record could not be read: ${(err as Error).message}` };
    }
  }
  if (text === undefined) return { gone: true };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { gone: true }; // records are written whole (rename), so this one will not parse later either
  }
  const id = (value as { id?: unknown } | null)?.id;
  if (id !== sourceId || !isSafeSourceId(id)) return { problem: `its record names another source id, ${JSON.stringify(id)}` };
  return { record: value as SourceRecord };
}

export async function sweepPending(out: OutputDir, opts: PartWriterOptions): Promise<SweepSummary> {
  const summary: SweepSummary = { removedParts: [], committedSources: 0, cleanedSources: 0, forgottenSources: 0, heldSources: [], adoptedSources: 0 };
  for (const partId of await startedParts(out.root)) {
    if (await isCommitted(out.root, partId)) await removeJournal(out.root, partId);
    else {
      await removeUncommittedPart(out.root, partId);
      summary.removedParts.push(partId);
    }
  }

  const committedAt = await pendingSourceTimes(out.root);
  const adoption = await adoptFlatLayout(out.root, new Set(committedAt.keys()));
  summary.adoptedSources = adoption?.marked ?? 0;
  const collector = new PartCollector(out, opts);
  for (const [sourceId, markedAt] of await pendingMarkerTimes(out.root)) {
    const partAt = committedAt.get(sourceId);
    if (partAt !== undefined && markedAt <= partAt) {
      await releaseSource(out, sourceId);
      summary.cleanedSources++;
      continue;
    }
    const found = await readMarkedRecord(out, sourceId);
    if ('problem' in found) {
      summary.heldSources.push({ id: sourceId, problem: found.problem });
      continue;
    }
    if ('gone' in found) {
      await releaseSource(out, sourceId);
      summary.forgottenSources++;
      continue;
    }
    await collector.add(found.record);
    summary.committedSources++;
  }
  await collector.flush();
  await adoption?.finish();
  return summary;
}
