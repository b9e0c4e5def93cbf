/**
 * Licence normalisation: whatever a manifest column, a `--license` flag or a fetcher says
 * (SPDX ids, Creative Commons names and URLs, yt-dlp's strings, loose spellings) becomes one
 * SPDX id, or one of `public-domain`, `proprietary`, `unknown`. Nothing is guessed beyond what
 * the text says: an unrecognised value is `unknown`, which a declared use refuses by default.
 */

const PUBLIC_DOMAIN = 'public-domain';
export const PROPRIETARY = 'proprietary';
export const UNKNOWN = 'unknown';

/** What a licence lets a dataset user do. */
export interface LicenseTerms {
  commercial: boolean;
  derivatives: boolean;
  attribution: boolean;
  shareAlike: boolean;
}

const CC_VERSIONS = ['1.0', '2.0', '2.5', '3.0', '4.0'];
/** CC licences without a stated version are read as the current one (the terms are alike across versions). */
const CC_DEFAULT_VERSION = '4.0';
/** YouTube's Creative Commons option is CC BY 3.0 (its help pages say so); yt-dlp reports it unversioned. */
const YOUTUBE_CC_VERSION = '3.0';

interface CcElements {
  nc: boolean;
  nd: boolean;
  sa: boolean;
}

function ccId(el: CcElements, version: string): string {
  return `CC-BY${el.nc ? '-NC' : ''}${el.nd ? '-ND' : ''}${el.sa ? '-SA' : ''}-${version}`;
}

/** Non-CC licences recognised by SPDX id (case-insensitive) and their terms. */
const OTHER_TERMS: Record<string, LicenseTerms> = {
  MIT: { commercial: true, derivatives: true, attribution: true, shareAlike: false },
  'Apache-2.0': { commercial: true, derivatives: true, attribution: true, shareAlike: false },
  'BSD-2-Clause': { commercial: true, derivatives: true, attribution: true, shareAlike: false },
  'BSD-3-Clause': { commercial: true, derivatives: true, attribution: true, shareAlike: false },
  ISC: { commercial: true, derivatives: true, attribution: true, shareAlike: false },
  '0BSD': { commercial: true, derivatives: true, attribution: false, shareAlike: false },
  Unlicense: { commercial: true, derivatives: true, attribution: false, shareAlike: false },
  'GPL-2.0-only': { commercial: true, derivatives: true, attribution: true, shareAlike: true },
  'GPL-3.0-only': { commercial: true, derivatives: true, attribution: true, shareAlike: true },
  'GFDL-1.3-only': { commercial: true, derivatives: true, attribution: true, shareAlike: true },
  'CC0-1.0': { commercial: true, derivatives: true, attribution: false, shareAlike: false },
  [PUBLIC_DOMAIN]: { commercial: true, derivatives: true, attribution: false, shareAlike: false },
};

/** Unknown and proprietary material: nothing may be assumed, so every permission is false. */
const RESTRICTED: LicenseTerms = { commercial: false, derivatives: false, attribution: true, shareAlike: false };

const SPDX_BY_LOWER = new Map<string, string>(Object.keys(OTHER_TERMS).map((id) => [id.toLowerCase(), id]));
for (const [alias, id] of [
  ['gpl-2.0', 'GPL-2.0-only'],
  ['gpl-3.0', 'GPL-3.0-only'],
  ['gfdl-1.3', 'GFDL-1.3-only'],
  ['unlicense', 'Unlicense'],
] as const) {
  SPDX_BY_LOWER.set(alias, id);
}

/** Loose spellings of non-CC licences, matched against the whole lower-cased, space-collapsed text. */
const NAME_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(the )?mit( licen[cs]e)?$/, 'MIT'],
  [/^apache( licen[cs]e)?,?( version| v)?[ -]?2(\.0)?$/, 'Apache-2.0'],
  [/^(bsd[ -]3|3[ -]clause bsd|new bsd|modified bsd)( licen[cs]e)?$/, 'BSD-3-Clause'],
  [/^(bsd[ -]2|2[ -]clause bsd|simplified bsd)( licen[cs]e)?$/, 'BSD-2-Clause'],
  [/^the unlicense$/, 'Unlicense'],
  [/^(pd|pdm|public[ _-]?domain( mark)?( 1\.0)?|public[ _-]?domain dedication)$/, PUBLIC_DOMAIN],
  [/^(cc[ _-]?0|cc[ _-]?zero|creative commons zero)( 1\.0)?( universal)?( public domain dedication)?$/, 'CC0-1.0'],
];

/** Statements of reserved rights; checked after Creative Commons, since "© Jane, CC BY 4.0" is CC. */
const PROPRIETARY_PATTERN = /^(standard youtube licen[cs]e|proprietary|copyright(ed)?\b.*|(©|\(c\)).*|.*all rights reserved.*)$/;

const EMPTY_VALUES = new Set(['', 'unknown', 'n/a', 'na', 'none', 'null', 'undefined', '-', '?']);

/** Creative Commons URLs: licences/<code>/<version>/..., and the public-domain tools. */
function fromCcUrl(text: string): string | undefined {
  if (/creativecommons\.org\/publicdomain\/zero\//.test(text)) return 'CC0-1.0';
  if (/creativecommons\.org\/publicdomain\/mark\//.test(text)) return PUBLIC_DOMAIN;
  const m = /creativecommons\.org\/licenses\/([a-z-]+)\/(\d\.\d)/.exec(text);
  if (!m) return /creativecommons\.org\//.test(text) ? UNKNOWN : undefined;
  return fromCcWords(m[1]!.split('-'), m[2]!) ?? UNKNOWN;
}

/** Other well-known licence URLs. */
function fromOtherUrl(text: string): string | undefined {
  const spdx = /spdx\.org\/licenses\/([a-z0-9.+-]+?)(\.html|\.json)?\/?$/.exec(text);
  if (spdx) return normalizeLicense(spdx[1]);
  if (/opensource\.org\/licenses?\/mit/.test(text)) return 'MIT';
  if (/apache\.org\/licenses\/license-2\.0/.test(text)) return 'Apache-2.0';
  return undefined;
}

/**
 * CC licence elements from words. `by` and `attribution` alone mean CC BY; ND together with SA is
 * contradictory and gives undefined. Versions not published by CC give undefined.
 */
function fromCcWords(words: readonly string[], version: string | undefined): string | undefined {
  const has = (...w: string[]): boolean => w.some((x) => words.includes(x));
  const el: CcElements = {
    nc: has('nc', 'noncommercial'),
    nd: has('nd', 'noderivatives'),
    sa: has('sa', 'sharealike'),
  };
  if (!el.nc && !el.nd && !el.sa && !has('by', 'attribution')) return undefined;
  if (el.nd && el.sa) return undefined;
  const v = version ?? CC_DEFAULT_VERSION;
  return CC_VERSIONS.includes(v) ? ccId(el, v) : undefined;
}

/** Folds the many spellings of CC element names to one word each. */
function canonicalCcWords(text: string): string[] {
  const folded = text
    .replace(/non[\s_-]?commercial/g, 'noncommercial')
    .replace(/share[\s_-]?alike/g, 'sharealike')
    .replace(/no[\s_-]?deriv(ative)?s?([\s_-]?works)?/g, 'noderivatives');
  return folded.split(/[^a-z0-9.]+/).filter((w) => w !== '');
}

/** Words that make up a CC licence name on their own, as Vimeo ("by-nc-sa") and Flickr ("Attribution-ShareAlike License") write them. */
const CC_ONLY_WORDS = new Set(['by', 'nc', 'nd', 'sa', 'attribution', 'noncommercial', 'noderivatives', 'sharealike', 'license', 'licence', 'international', 'unported', 'generic']);

function fromCcText(text: string): string | undefined {
  const words = canonicalCcWords(text);
  const saysCc = words.includes('cc') || (words.includes('creative') && words.includes('commons'));
  const versionWord = words.find((w) => /^\d(\.\d)?$/.test(w));
  const bareCodes =
    words.every((w) => CC_ONLY_WORDS.has(w) || w === versionWord) && (words.includes('by') || words.includes('attribution'));
  if (!saysCc && !bareCodes) return undefined;
  const version = versionWord === undefined ? undefined : versionWord.includes('.') ? versionWord : `${versionWord}.0`;
  if (version === undefined && /reuse allowed/.test(text)) return fromCcWords(words, YOUTUBE_CC_VERSION);
  return fromCcWords(words, version) ?? UNKNOWN;
}

/** Any licence text, id or URL → an SPDX id, `public-domain`, `proprietary` or `unknown`. */
export function normalizeLicense(raw: string | undefined): string {
  if (raw === undefined) return UNKNOWN;
  const text = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  if (EMPTY_VALUES.has(text)) return UNKNOWN;
  const spdx = SPDX_BY_LOWER.get(text);
  if (spdx) return spdx;
  if (text === PUBLIC_DOMAIN || text === PROPRIETARY) return text;
  const byUrl = fromCcUrl(text) ?? fromOtherUrl(text);
  if (byUrl) return byUrl;
  for (const [pattern, id] of NAME_PATTERNS) if (pattern.test(text)) return id;
  const cc = fromCcText(text);
  if (cc) return cc;
  return PROPRIETARY_PATTERN.test(text) ? PROPRIETARY : UNKNOWN;
}

const CC_ID = /^CC-BY((?:-NC)?(?:-ND)?(?:-SA)?)-(\d\.\d)$/;

/** The terms of a normalised licence id; unknown ids get the most restrictive terms. */
export function licenseTerms(id: string): LicenseTerms {
  const known = OTHER_TERMS[id];
  if (known) return { ...known };
  const m = CC_ID.exec(id);
  if (!m) return { ...RESTRICTED };
  const parts = m[1]!;
  return {
    commercial: !parts.includes('-NC'),
    derivatives: !parts.includes('-ND'),
    attribution: true,
    shareAlike: parts.includes('-SA'),
  };
}

/** The canonical deed URL of a Creative Commons licence id, for attribution notices. */
export function licenseUrl(id: string): string | undefined {
  if (id === 'CC0-1.0') return 'https://creativecommons.org/publicdomain/zero/1.0/';
  const m = CC_ID.exec(id);
  if (m) return `https://creativecommons.org/licenses/by${m[1]!.toLowerCase()}/${m[2]}/`;
  if (OTHER_TERMS[id] && id !== PUBLIC_DOMAIN) return `https://spdx.org/licenses/${id}.html`;
  return undefined;
}
