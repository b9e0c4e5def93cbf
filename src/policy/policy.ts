/**
 * Admission: which sources a run may take, decided before anything is downloaded.
 *
 * Takedowns and opt-outs refuse a source in every run. The licence gate applies only when the
 * run declares its intended use; each use admits the licences whose terms allow it:
 *
 * | use            | admits                                                        |
 * |----------------|---------------------------------------------------------------|
 * | commercial     | licences allowing commercial use AND derivatives (CC0, PD, CC-BY, CC-BY-SA, MIT, Apache-2.0, ...) |
 * | internal       | licences allowing commercial use, ND included                 |
 * | research       | every known open licence, NC and ND included                  |
 * | non-commercial | same as research                                              |
 *
 * Why ND differs: a dataset shares clips that are excerpts of the work re-encoded, which ND
 * licences allow (sharing "in whole or in part"; format changes are not adaptations), so ND is
 * admitted where nothing is sold or nothing is shared. A commercial model trained on the
 * material and sold is where "no derivatives" is most at risk, so `commercial` refuses ND.
 * `internal` is a company's own use: NC refuses it (commercial advantage) but ND does not (no
 * sharing). `proprietary` is refused for every declared use and `unknown` unless
 * `allowUnknownLicense`; a use's list in `admit` replaces these defaults (e.g. admit your own
 * proprietary footage for `internal`). Any other use name needs a list in `admit`.
 */
import { ErrorCode, FatalError } from '../errors.js';
import type { PolicyConfig } from '../config/schema.js';
import { findColumn, LICENSE_COLUMNS, LICENSE_RAW } from '../sources/columns.js';
import type { Source } from '../types.js';
import { PROPRIETARY, UNKNOWN, licenseTerms, normalizeLicense, type LicenseTerms } from './licenses.js';
import { matchOptOut, type OptOutList } from './optout.js';

export type { PolicyConfig };

/** What a built-in use requires of a licence's terms. */
const USE_REQUIREMENTS: Record<string, (t: LicenseTerms) => boolean> = {
  commercial: (t) => t.commercial && t.derivatives,
  research: () => true,
  'non-commercial': () => true,
  internal: (t) => t.commercial,
};

const BUILT_IN_USES = Object.keys(USE_REQUIREMENTS);

/** Everything a run needs to decide admission: the policy, the loaded opt-out list, the taken-down ids. */
export interface PolicyContext {
  config: PolicyConfig;
  optOut: OptOutList;
  takenDown: ReadonlySet<string>;
}

export type Admission = { admit: true; license: string } | { admit: false; code: ErrorCode; reason: string };

function rawValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/**
 * The licence of a source: its own (`source.license`, else the configured or a common licence
 * column of its metadata), else the run's `defaultLicense`, else `unknown`. A value the source
 * states but nobody recognises stays `unknown`: the run default never overrides a row.
 */
export function resolveLicense(source: Pick<Source, 'license' | 'metadata'>, config: PolicyConfig): string {
  if (source.license !== undefined && source.license !== UNKNOWN) return normalizeLicense(source.license);
  // The configured column, then what ingest stamped, then the usual licence columns (any case):
  // the first with a value wins.
  const keys = Object.keys(source.metadata);
  const candidates = [...(config.licenseColumn ? [config.licenseColumn] : []), LICENSE_RAW, ...LICENSE_COLUMNS];
  for (const candidate of candidates) {
    const column = findColumn(keys, [candidate]);
    const value = column === undefined ? undefined : rawValue(source.metadata[column]);
    if (value !== undefined) return normalizeLicense(value);
  }
  return normalizeLicense(config.defaultLicense);
}

function globMatch(pattern: string, id: string): boolean {
  const body = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 'i').test(id);
}

/** Whether a user's admit list names the licence (ids in any spelling, or globs like `CC-BY-*`). */
function listAdmits(list: readonly string[], license: string): boolean {
  return list.some((entry) => (entry.includes('*') ? globMatch(entry, license) : normalizeLicense(entry) === license));
}

/** Refuses a run whose use has neither built-in defaults nor an `admit` list: a FatalError. */
export function checkUse(config: PolicyConfig): void {
  const use = config.use;
  if (use !== undefined && !(use in USE_REQUIREMENTS) && !(use in config.admit)) {
    throw new FatalError(
      `Unknown use "${use}": choose one of ${BUILT_IN_USES.join(', ')}, or list the licences it admits in the config (policy.admit["${use}"]).`,
    );
  }
}

/**
 * The licence gate alone, for a licence learnt after admission (e.g. reported by yt-dlp). With no
 * declared use everything passes.
 */
export function admitLicense(license: string, config: PolicyConfig): { admit: true } | { admit: false; reason: string } {
  const use = config.use;
  if (use === undefined) return { admit: true };
  const userList = config.admit[use];
  if (userList !== undefined) {
    if (listAdmits(userList, license) || (license === UNKNOWN && config.allowUnknownLicense)) return { admit: true };
    return { admit: false, reason: `licence ${license} is not in the licences admitted for use "${use}" (policy.admit)` };
  }
  if (license === UNKNOWN) {
    return config.allowUnknownLicense
      ? { admit: true }
      : { admit: false, reason: `licence unknown; declared use "${use}" admits only known licences (allow with --allow-unknown-license)` };
  }
  if (license === PROPRIETARY) return { admit: false, reason: `licence proprietary; not admitted for any declared use by default` };
  const requirement = USE_REQUIREMENTS[use];
  if (requirement === undefined) throw new FatalError(`Unknown use "${use}".`);
  if (requirement(licenseTerms(license))) return { admit: true };
  return { admit: false, reason: `licence ${license} ${whyNot(use, licenseTerms(license))} (declared use: ${use})` };
}

function whyNot(use: string, terms: LicenseTerms): string {
  if (!terms.commercial) return 'does not allow commercial use';
  if (use === 'commercial' && !terms.derivatives) return 'allows no derivatives, which commercial use is refused by default';
  return 'is not admitted';
}

/** Takedown, then opt-out list, then licence: the first that refuses gives the code and reason. */
export function decideAdmission(source: Source, ctx: PolicyContext): Admission {
  if (ctx.takenDown.has(source.id)) {
    return { admit: false, code: ErrorCode.RefusedTakedown, reason: 'The source was taken down from this dataset (see takedowns.jsonl).' };
  }
  const optOut = matchOptOut(source, ctx.optOut);
  if (optOut) return { admit: false, code: ErrorCode.RefusedOptOut, reason: `The source is ${optOut}.` };
  const license = resolveLicense(source, ctx.config);
  const verdict = admitLicense(license, ctx.config);
  if (!verdict.admit) return { admit: false, code: ErrorCode.RefusedLicense, reason: `Refused by the licence policy: ${verdict.reason}.` };
  return { admit: true, license };
}

/**
 * The end-of-run warning of a run that declared no use: how many sources were admitted under
 * each licence, and how to declare a use. Undefined when no source was counted, or when `config`
 * is given and declares a use.
 */
export function licenseWarning(countsByLicense: Record<string, number>, config?: Pick<PolicyConfig, 'use'>): string | undefined {
  if (config?.use !== undefined) return undefined;
  const entries = Object.entries(countsByLicense).filter(([, n]) => n > 0);
  if (entries.length === 0) return undefined;
  entries.sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  const list = entries.map(([license, n]) => `${license}: ${n}`).join(', ');
  return (
    `No intended use was declared, so no licence gate was applied: ${total} source${total === 1 ? '' : 's'} admitted (${list}). ` +
    `Declare a use with --use ${BUILT_IN_USES.join('|')} (or "policy": {"use": ...} in the config) to admit only what the licences allow.`
  );
}
