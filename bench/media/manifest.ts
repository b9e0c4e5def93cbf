/**
 * The real media fetched by fetch-debian-media.sh: reads its manifest (running the script first
 * when the manifest is missing) and splits the photos into a development and a held-out half.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `dev-video` and `heldout-video`: real videos added later for one split only (annotated in
 * bench/shots/truth), kinds of their own so that adding them moves no other file between splits.
 * `late-dev-video`: real videos added to the development split's annotated corpus after the
 * synthetic corpora were fixed; no synthetic video takes footage from them.
 */
export type MediaKind = 'photo' | 'art' | 'video' | 'dev-video' | 'heldout-video' | 'late-dev-video';
export type Split = 'dev' | 'heldout';

export interface MediaEntry {
  kind: MediaKind;
  package: string;
  version: string;
  /** Path inside the package. */
  inside: string;
  /** Where the file lies in the cache. */
  file: string;
  sha256: string;
}

export const mediaCache = () => process.env.CLIPMILL_MEDIA_CACHE ?? '/work/cache/media';

/** Every fetched file; fetches them first when the cache has no manifest. */
export function loadMedia(): MediaEntry[] {
  const manifest = path.join(mediaCache(), 'manifest.tsv');
  if (!existsSync(manifest)) {
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fetch-debian-media.sh');
    const res = spawnSync('bash', [script], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (res.status !== 0) throw new Error(`${script} failed (exit ${res.status})`);
  }
  const entries = readFileSync(manifest, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [kind, pkg, version, inside, file, sha256] = line.split('\t');
      return { kind: kind as MediaKind, package: pkg, version, inside, file, sha256 };
    });
  // The same bytes listed twice (under two kinds, say) could land in both splits.
  const seen = new Map<string, MediaEntry>();
  for (const e of entries) {
    const first = seen.get(e.sha256);
    if (first) throw new Error(`${manifest}: ${e.package} ${e.inside} (${e.kind}) has the same bytes as ${first.package} ${first.inside} (${first.kind}); list each file once`);
    seen.set(e.sha256, e);
  }
  return entries;
}

/** Kinds whose files belong to one split whatever their hash. */
const FIXED_SPLIT: Partial<Record<MediaKind, Split>> = { 'dev-video': 'dev', 'heldout-video': 'heldout', 'late-dev-video': 'dev' };

/**
 * Development or held-out, by content hash: within each kind the files are ordered by sha256
 * and alternate, so both halves get about as many and neither depends on names or list order.
 * Files of `dev-video`, `heldout-video` and `late-dev-video` take no part in the alternation: they
 * are in their kind's split.
 */
export function splitByHash(entries: MediaEntry[], split: Split): MediaEntry[] {
  const fixed = entries.filter((e) => FIXED_SPLIT[e.kind] === split);
  const sorted = entries.filter((e) => FIXED_SPLIT[e.kind] === undefined).sort((a, b) => a.sha256.localeCompare(b.sha256));
  return [...sorted.filter((_, i) => (i % 2 === 0) === (split === 'dev')), ...fixed];
}
