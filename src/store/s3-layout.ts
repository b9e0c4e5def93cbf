/**
 * How the files of an output folder map to publishing steps, by path class only, so the layout can
 * grow without this code knowing every file. Readers of the prefix must never see a commit point
 * before what it names, so one publishing pass goes up in this order:
 *   1. everything not named below (the output marker, runs.jsonl, takedowns.jsonl, ...);
 *   2. staging: clip files of finished sources and `pending/` markers;
 *   3. source records (the mark that a source is finished);
 *   4. shards;
 *   5. index files but manifests (`index/**` but `.json`: part parquets, signature runs);
 *   6. index manifests (`index/**.json`): a part manifest is the commit point of its part;
 *   7. the dataset's top files (index.parquet of the flat layout, stats.json and the card);
 * and objects to delete go last, after the pass that made them stale.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/** Written after everything else: once they change, readers are sent to the new files. */
const TOP_FILES = new Set(['index.parquet', 'stats.json', 'README.md', 'croissant.json', 'ATTRIBUTION.md']);
/** Local scratch that is never published nor pulled: downloads, extraction folders, temporary files, the run lock (and its drafts and claims). */
const SCRATCH = /^(\.work|\.extract-[^/]*)(\/|$)|\.(tmp|part)$|^\.clipmill-lock(\..*)?$/;
/** What the final publish of a dataset deletes when the staging folder no longer has it. */
const PRUNABLE = /^(clips|pending|shards|index)\/|^index\.parquet$/;
/** What a worker needs from the prefix before its first source of a run: the takedown list. */
export const WORKER_PULLS = ['takedowns.jsonl'];

export const PUBLISH_STEPS = 7;

/** Where an S3 output is staged when no folder is given: one folder per output URI under `root`. */
export function defaultStaging(uri: string, root = path.join(os.tmpdir(), 'clipmill-staging')): string {
  const key = createHash('sha256').update(uri).digest('hex').slice(0, 16);
  return path.join(root, key);
}

/** The step (0-based) of one file, in the order of the module comment. */
export function publishStep(rel: string): number {
  if (isStaging(rel)) return 1;
  if (isRecord(rel)) return 2;
  if (rel.startsWith('shards/')) return 3;
  if (rel.startsWith('index/')) return rel.endsWith('.json') ? 5 : 4;
  if (TOP_FILES.has(rel)) return 6;
  return 0;
}

/** Files grouped by step, each group to go up after the one before. */
export function publishGroups(files: readonly string[]): string[][] {
  const groups: string[][] = Array.from({ length: PUBLISH_STEPS }, () => []);
  for (const rel of files) groups[publishStep(rel)]!.push(rel);
  return groups;
}

export function isScratch(rel: string): boolean {
  return SCRATCH.test(rel);
}

/**
 * The part a shard belongs to: `shards/<bucket>/<partId>-<k>.tar` gives `<partId>`; undefined for
 * a shard of the flat layout (`shards/<bucket>/shard-000000.tar`), which belongs to no part.
 */
function partOfShard(rel: string): string | undefined {
  const m = /^(.+)-\d+\.tar$/.exec(path.posix.basename(rel));
  return m && m[1] !== 'shard' ? m[1] : undefined;
}

/** Part ids that have a manifest among `files`, in `index/<state>/` (`pending` or `parts`). */
export function partsWithManifest(files: Iterable<string>, state: 'pending' | 'parts'): Set<string> {
  const found = new Set<string>();
  const prefix = `index/${state}/`;
  for (const rel of files) {
    if (rel.startsWith(prefix) && rel.endsWith('.json')) found.add(rel.slice(prefix.length, -'.json'.length));
  }
  return found;
}

/** Clip staging and `pending/` markers: the files a worker's part commit deletes once the part is up. */
export function isStaging(rel: string): boolean {
  return rel.startsWith('clips/') || rel.startsWith('pending/');
}

/** Records: the class that grows with every source, so a worker publishes them by name, not by walking them. */
export function isRecord(rel: string): boolean {
  return rel.startsWith('sources/');
}

/** Whether `rel` is a shard of a part whose manifest is among `files` (a committed part: the shard is final). */
export function isCommittedShard(rel: string, files: { has(rel: string): boolean }): boolean {
  const part = rel.startsWith('shards/') ? partOfShard(rel) : undefined;
  return part !== undefined && (files.has(`index/pending/${part}.json`) || files.has(`index/parts/${part}.json`));
}

/**
 * Whether a reduce needs the remote file in its staging folder: everything but shards, and of the
 * shards only those of pending parts (the reduce may rewrite them). Final shards never change and
 * stay in the bucket; shards of the flat layout are rewritten by pack anyway.
 */
export function neededForReduce(rel: string, pendingParts: ReadonlySet<string>): boolean {
  if (isScratch(rel)) return false;
  if (!rel.startsWith('shards/')) return true;
  const part = partOfShard(rel);
  return part !== undefined && pendingParts.has(part);
}

/**
 * Whether the final publish deletes a remote file the staging folder lacks: only files of the
 * dataset's own classes, and never a shard of a final part (it stays in the bucket, not pulled).
 */
export function prunable(rel: string, finalParts: ReadonlySet<string>): boolean {
  if (!PRUNABLE.test(rel)) return false;
  const part = rel.startsWith('shards/') ? partOfShard(rel) : undefined;
  return part === undefined || !finalParts.has(part);
}
