/**
 * `clipmill report`: the dataset's datasheet as one self-contained `report.html` (data, clip
 * pictures, scripts and styles inline; opens without a network). The same figures as the
 * dashboard, plus how the dataset was collected, duplicates removed, known limitations and
 * attribution.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ATTRIBUTION_FILE } from '../policy/attribution.js';
import { writeFileAtomic } from '../store/output.js';
import type { SourceRecord } from '../types.js';
import { loadDataset, type ClipView, type DatasetSnapshot } from './dataset.js';
import { limitationsOf } from './limitations.js';
import { overviewOf, type Overview } from './overview.js';
import { reportPage } from './page.js';
import { clipPicture, PictureCache } from './pictures.js';
import { readRunLog } from './run-log.js';
import type { Targets } from './targets.js';

export const REPORT_FILE = 'report.html';
/** Clips listed in the report's grid; a larger dataset is summarised by its charts. */
const MAX_CLIPS = 2000;
/** Pictures inlined for the grid's first page; filter and duplicate examples come on top. */
const GRID_PICTURES = 48;
const DUPLICATE_EXAMPLES = 4;
/** ffmpeg processes at once while making pictures. */
const PICTURE_CONCURRENCY = 2;

/** A record without what the page never shows (perceptual signatures are long hex strings). */
const slim = (r: SourceRecord): SourceRecord => ({ ...r, clips: r.clips.map(({ signature: _signature, ...clip }) => clip) });

function duplicatesOf(clips: readonly ClipView[]) {
  const dups = clips.filter((c) => c.filter === 'duplicate');
  return {
    count: dups.length,
    hours: dups.reduce((sum, c) => sum + c.duration, 0) / 3600,
    examples: dups.filter((c) => c.duplicateOf).slice(0, DUPLICATE_EXAMPLES).map((c) => ({ id: c.id, of: c.duplicateOf! })),
  };
}

/** The clips whose pictures go inline: the grid's first page and every example the page shows. */
function picturedClips(overview: Overview, clips: readonly ClipView[], duplicates: ReturnType<typeof duplicatesOf>): string[] {
  const ids = new Set(clips.slice(0, GRID_PICTURES).map((c) => c.id));
  for (const f of overview.filters) f.examples.forEach((id) => ids.add(id));
  for (const d of duplicates.examples) ids.add(d.id).add(d.of);
  return [...ids];
}

async function pictures(snapshot: DatasetSnapshot, ids: readonly string[]): Promise<Record<string, string>> {
  const cache = new PictureCache(PICTURE_CONCURRENCY);
  const made = await Promise.all(ids.map(async (id) => {
    const clip = snapshot.clipById.get(id);
    const source = clip && snapshot.recordById.get(clip.sourceId);
    const jpeg = clip && source?.status === 'done' ? await cache.get(id, () => clipPicture(snapshot.root, clip, source)) : undefined;
    return jpeg ? [[id, `data:image/jpeg;base64,${jpeg.toString('base64')}`] as const] : [];
  }));
  return Object.fromEntries(made.flat());
}

/** The report's data: everything app.js needs to draw the page with no server. */
export async function reportData(dir: string, targets?: Targets) {
  const snapshot = await loadDataset(path.resolve(dir));
  const overview = overviewOf(snapshot, targets);
  const clips = snapshot.clips.slice(0, MAX_CLIPS);
  const listed = new Set(clips.map((c) => c.sourceId));
  for (const group of [...overview.failures, ...overview.refusals]) group.examples.forEach((e) => listed.add(e.sourceId));
  const sources = Object.fromEntries(snapshot.records.filter((r) => listed.has(r.id)).map((r) => [r.id, slim(r)]));
  const duplicates = duplicatesOf(snapshot.clips);
  const runs = await readRunLog(snapshot.root);
  const attribution = await fs.readFile(path.join(snapshot.root, ATTRIBUTION_FILE), 'utf8').catch(() => null);
  return {
    overview,
    clips,
    sources,
    pictures: await pictures(snapshot, picturedClips(overview, clips, duplicates)),
    runs,
    stats: snapshot.stats,
    duplicates,
    limitations: limitationsOf(snapshot, overview, runs, { listedClips: clips.length }),
    attribution,
  };
}

/** Writes `<dir>/report.html` and returns its absolute path. */
export async function writeReport(dir: string, opts: { targets?: Targets } = {}): Promise<string> {
  const file = path.join(path.resolve(dir), REPORT_FILE);
  await writeFileAtomic(file, reportPage(path.resolve(dir), await reportData(dir, opts.targets)));
  return file;
}
