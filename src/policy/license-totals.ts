/**
 * Licence totals of a dataset, one meaning wherever they are shown (stats.json, ATTRIBUTION.md):
 * per licence, the sources that have at least one kept clip in the dataset, those kept clips, and
 * their hours. A source whose clips were all dropped, or that failed, counts nowhere.
 */
import { UNKNOWN } from './licenses.js';

export interface LicenseTotals {
  /** Sources with at least one kept clip. */
  sources: number;
  /** Kept clips. */
  clips: number;
  /** Hours of kept clips. */
  hours: number;
}

/** One kept clip, as much of it as the totals need. */
export interface KeptClip {
  sourceId: string;
  /** The source's normalised licence; none means unknown. */
  license: string | null | undefined;
  /** Seconds. */
  duration: number;
}

/** Totals per licence of the given kept clips, keys sorted so output is stable. */
export function licenseTotals(clips: Iterable<KeptClip>): Record<string, LicenseTotals> {
  const byLicense = new Map<string, { sources: Set<string>; clips: number; seconds: number }>();
  for (const clip of clips) {
    const license = clip.license ?? UNKNOWN;
    let t = byLicense.get(license);
    if (!t) byLicense.set(license, (t = { sources: new Set(), clips: 0, seconds: 0 }));
    t.sources.add(clip.sourceId);
    t.clips++;
    t.seconds += clip.duration;
  }
  return Object.fromEntries(
    [...byLicense.keys()].sort().map((license) => {
      const t = byLicense.get(license)!;
      return [license, { sources: t.sources.size, clips: t.clips, hours: t.seconds / 3600 }];
    }),
  );
}
