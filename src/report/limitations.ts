/**
 * The datasheet's "known limitations": sentences derived from what this dataset holds and how
 * its last run was set up, then the limits every clipmill dataset shares.
 */
import type { RunConfig } from '../config/schema.js';
import { UNKNOWN } from '../policy/licenses.js';
import type { DatasetSnapshot } from './dataset.js';
import type { Overview } from './overview.js';
import type { RunLogEntry } from './run-log.js';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function fromData(snapshot: DatasetSnapshot, o: Overview, listedClips: number): string[] {
  const notes: string[] = [];
  if (!snapshot.packed) notes.push('The dataset was not packed when this report was made (a run in progress or interrupted): figures come from the source records alone.');
  if (o.totals.failed > 0) {
    const codes = o.failures.map((f) => `${f.key} ${f.count}`).join(', ');
    notes.push(`${plural(o.totals.failed, 'source')} failed and contribute nothing (${codes}); content that is hard to fetch or decode is under-represented.`);
  }
  if (o.totals.refused > 0) notes.push(`${plural(o.totals.refused, 'source')} were refused by the rights policy, opt-outs or takedowns and were never downloaded.`);
  const unknown = o.licences.find((l) => l.key === UNKNOWN && l.keptClips > 0);
  if (unknown) notes.push(`${plural(unknown.keptClips, 'kept clip')} come from ${plural(unknown.sources, 'source')} of unknown licence: check their rights before use.`);
  if (snapshot.clips.length > 0 && snapshot.clips.every((c) => !c.caption)) notes.push('Clips have no captions.');
  if (o.categories.length === 0) notes.push('The inputs name no content category, so the content mix is unknown.');
  const snapped = snapshot.records.reduce((n, r) => n + r.clips.filter((c) => c.snappedToKeyframes).length, 0);
  if (snapped > 0) notes.push(`${plural(snapped, 'clip')} were stream-copied: they start at a keyframe, so they can hold frames of the previous shot.`);
  if (listedClips < snapshot.clips.length) notes.push(`This report lists the first ${listedClips} of ${snapshot.clips.length} clips; the charts count them all.`);
  return notes;
}

function fromConfig(runs: readonly RunLogEntry[]): string[] {
  const cfg = runs[runs.length - 1]?.config as RunConfig | undefined;
  if (!cfg) return ['No run log (runs.jsonl) was found, so the settings the dataset was made with are unknown.'];
  const notes: string[] = [];
  if (!cfg.policy?.use) notes.push('No intended use was declared (--use), so no licence gate applied: every source was admitted whatever its licence.');
  else if (cfg.policy.allowUnknownLicense) notes.push(`Sources of unknown licence were admitted under the declared use "${cfg.policy.use}".`);
  if (!cfg.filter?.safety) notes.push('No NSFW screening was run (--safety was off).');
  if (cfg.filter) {
    const f = cfg.filter;
    notes.push(`Quality filters are thresholds on measured signals, not judgements of content: relative motion ≥ ${f.minRelativeMotion}, motion ≤ ${f.maxMotion}, luma ${f.minLuma}–${f.maxLuma}, sharpness ≥ ${f.minSharpness}, frozen share ≤ ${f.maxFrozenShare}.`);
  }
  return notes;
}

const ALWAYS = [
  'Shot boundaries come from a heuristic detector; a cut it misses leaves two shots in one clip, and frames of gradual transitions belong to no clip.',
  'Near duplicates are searched within this dataset only, not against other datasets.',
  'Licences are as the inputs or the hosting site state them; clipmill does not verify that a stated licence is valid.',
];

export function limitationsOf(snapshot: DatasetSnapshot, overview: Overview, runs: readonly RunLogEntry[], opts: { listedClips: number }): string[] {
  return [...fromData(snapshot, overview, opts.listedClips), ...fromConfig(runs), ...ALWAYS];
}
