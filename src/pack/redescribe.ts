/**
 * Descriptions asked for again in final parts: a kept clip whose caption request failed keeps its
 * row with `caption_error`, and a later run asks once more. Only parts whose tallies count such a
 * clip are opened (none at all while the dataset totals count none), so this costs nothing in a
 * dataset without failed captions. For each: the clips of the part are staged again from its tars,
 * the records described again (the run's `prepare`, with its answer cache), and, when a caption
 * came, the part's tars written again from the staged clips (same names and member order; only
 * samples whose description changed differ), its rows (verdicts kept) and its manifest, with the
 * totals journalled. The staged copies are removed afterwards. Safe to redo after a crash: the
 * rows keep `caption_error` until the rewritten part's rows are in place.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tarMembers, sampleKey } from '../policy/shard-edit.js';
import { OutputDir } from '../store/output.js';
import type { SourceRecord } from '../types.js';
import { partFiles, readManifests, readPartRows, writeManifest, type PartManifest } from './index-parts.js';
import { writeIndexFile } from './index-parquet.js';
import { clipRows, type ClipRow } from './rows.js';
import { memberKey, writeShards, type ThumbnailMaker } from './shards.js';
import { partTallies, shardTotals, SourceTally } from './stats.js';
import { beginTotalsUpdate, finishTotalsUpdate, knownSignals, readTotals } from './totals.js';
import type { WriterFactory } from './writer.js';

export interface RedescribeOptions {
  /** Describes a record's clips that still lack a description, writes and returns it (the run's part-writer `prepare`). */
  prepare: (record: SourceRecord) => Promise<SourceRecord>;
  shardBytes: number;
  thumbnail?: ThumbnailMaker;
  makeWriter?: WriterFactory;
}

const NOT_THE_CLIP = /\.(json|txt|jpg)$/;

/** Copies each kept clip of the part out of its tar to the clip's staged path; returns the staged files. */
async function stageClips(out: OutputDir, rows: readonly ClipRow[]): Promise<string[]> {
  const staged: string[] = [];
  const byShard = new Map<string, ClipRow[]>();
  for (const row of rows) if (row.status === 'kept' && row.shard && row.file) byShard.set(row.shard, [...(byShard.get(row.shard) ?? []), row]);
  for (const [shard, kept] of byShard) {
    const tar = path.join(out.root, shard);
    const members = await tarMembers(tar);
    const handle = await fs.open(tar, 'r');
    try {
      for (const row of kept) {
        const member = members.find((m) => sampleKey(m.name) === memberKey(row.clip_id) && !NOT_THE_CLIP.test(m.name));
        const file = member && (await out.clipFile(row.source_id, row.file!));
        if (!member || !file) continue;
        const bytes = Buffer.alloc(member.size);
        await handle.read(bytes, 0, member.size, member.offset);
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, bytes);
        staged.push(file);
      }
    } finally {
      await handle.close();
    }
  }
  return staged;
}

/** The part's rows from its records as described now, each with the verdicts its old row had. */
function describedRows(old: readonly ClipRow[], records: readonly SourceRecord[]): ClipRow[] {
  const now = new Map(records.flatMap(clipRows).map((r) => [r.clip_id, r]));
  // A row whose source has no record any more stays as it was.
  return old.map((was) => {
    const row = now.get(was.clip_id);
    return row ? { ...row, status: was.status, reason: was.reason, duplicate_of: was.duplicate_of, shard: was.shard } : was;
  });
}

/** Redescribes one part; returns whether it changed. */
async function redescribePart(out: OutputDir, manifest: PartManifest, opts: RedescribeOptions): Promise<boolean> {
  const rows = await readPartRows(out.root, manifest.part, 'final');
  const failing = new Set(rows.filter((r) => r.status === 'kept' && r.caption_error !== null).map((r) => r.source_id));
  if (failing.size === 0) return false;
  const staged = await stageClips(out, rows);
  try {
    const records: SourceRecord[] = [];
    for (const id of manifest.sources) {
      const record = await out.readRecord(id);
      if (record) records.push(failing.has(id) ? await opts.prepare(record) : record);
    }
    const next = describedRows(rows, records);
    const changed = next.some((row, i) => row.caption !== rows[i]!.caption || row.caption_error !== rows[i]!.caption_error);
    if (!changed) return false;
    const journal = await beginTotalsUpdate(out.root, [manifest.part]);
    const inputs = [];
    for (const row of next.filter((r) => r.status === 'kept' && r.shard)) {
      const file = await out.clipFile(row.source_id, row.file!);
      const stat = file ? await fs.stat(file).catch(() => undefined) : undefined;
      if (stat) inputs.push({ row, fileBytes: stat.size });
    }
    const shards = await writeShards(out.root, inputs, { partId: manifest.part, shardBytes: opts.shardBytes, thumbnail: opts.thumbnail, makeWriter: opts.makeWriter });
    // A tar the longer samples made unnecessary (a different roll-over) goes.
    const written = new Set(shards.map((s) => s.path));
    for (const old of manifest.shards) if (!written.has(old.path)) await fs.rm(path.join(out.root, old.path), { force: true });
    await writeIndexFile(partFiles(out.root, manifest.part, 'final').parquet, next, knownSignals(await readTotals(out.root)));
    const tally = new SourceTally();
    for (const record of records) tally.add(record);
    await writeManifest(out.root, { ...manifest, shards, stats: partTallies(tally, next, shardTotals(shards)) }, 'final');
    await finishTotalsUpdate(out.root, journal);
    return true;
  } finally {
    for (const file of staged) await fs.rm(file, { force: true });
    for (const id of failing) await fs.rmdir(path.join(out.root, out.clipsDirRel(id))).catch(() => {});
  }
}

/** Asks again for the descriptions that failed in final parts; returns the parts rewritten. */
export async function redescribeParts(outDir: string, opts: RedescribeOptions): Promise<string[]> {
  if ((await readTotals(outDir)).tallies.captions.errors === 0) return [];
  const out = new OutputDir(outDir);
  const rewritten: string[] = [];
  for await (const manifest of readManifests(outDir, 'final')) {
    if (manifest.stats.captions.errors > 0 && (await redescribePart(out, manifest, opts))) rewritten.push(manifest.part);
  }
  return rewritten;
}
