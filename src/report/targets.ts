/**
 * Content-mix targets (`--targets mix.json`): the share of kept hours wanted per category, e.g.
 * `{"driving": 3, "cooking": 1}` (weights, normalised to shares: 75 % and 25 %). The dashboard and
 * the report set the share each category reached beside its target.
 */
import { readFile } from 'node:fs/promises';
import { FatalError } from '../errors.js';
import type { MixRow } from './overview.js';

export type Targets = Record<string, number>;

export async function readTargets(file: string): Promise<Targets> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new FatalError(`cannot read the targets file ${file}: ${(err as Error).message}`);
  }
  const entries = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? Object.entries(parsed) : [];
  const bad = entries.find(([, w]) => typeof w !== 'number' || !Number.isFinite(w) || w < 0);
  const sum = entries.reduce((s, [, w]) => s + (w as number), 0);
  if (entries.length === 0 || bad || sum <= 0) {
    throw new FatalError(`${file} must be a JSON object of category → weight (numbers ≥ 0, not all 0), e.g. {"driving": 3, "cooking": 1}`);
  }
  return Object.fromEntries(entries.map(([category, w]) => [category, (w as number) / sum]));
}

/** Category rows with the share of kept hours each reached and its target; targeted categories with no clips too. */
export function withTargets(rows: readonly MixRow[], targets: Targets | undefined): MixRow[] {
  const hours = rows.reduce((s, r) => s + r.keptHours, 0);
  const all = [...rows];
  for (const category of Object.keys(targets ?? {})) {
    if (!all.some((r) => r.key === category)) all.push({ key: category, sources: 0, keptClips: 0, keptHours: 0 });
  }
  return all.map((r) => ({ ...r, share: hours > 0 ? r.keptHours / hours : 0, ...(targets ? { target: targets[r.key] ?? 0 } : {}) }));
}
