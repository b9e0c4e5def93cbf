/**
 * Admission with the licence a site reports. A yt-dlp source (a web page) rarely has a licence in
 * the manifest, so under a declared use it would always be refused as `unknown`; many sites state
 * one (YouTube's Creative Commons option, Vimeo's CC codes), and yt-dlp can read it without
 * downloading any media. Only a source refused for exactly that reason is looked up: takedowns,
 * opt-out lists and a licence the manifest states are never second-guessed by the site.
 */
import { ErrorCode } from '../errors.js';
import type { Source } from '../types.js';
import { normalizeLicense, UNKNOWN } from './licenses.js';
import { admitLicense, decideAdmission, resolveLicense, type Admission, type PolicyContext } from './policy.js';

/** Fetches a page's metadata only (yt-dlp's info fields); `license` is the one read here. */
export type MetadataLookup = (source: Source) => Promise<Record<string, unknown>>;

/** Whether the site should be asked: a yt-dlp source refused by the licence gate because its licence is unknown. */
function needsReportedLicense(source: Source, admission: Admission, ctx: PolicyContext): boolean {
  return (
    !admission.admit &&
    admission.code === ErrorCode.RefusedLicense &&
    source.kind === 'ytdlp' &&
    resolveLicense(source, ctx.config) === UNKNOWN
  );
}

/** The licence gate again, with the licence text the site reported (absent when it reported none). */
function admitReportedLicense(reported: unknown, ctx: PolicyContext): Admission {
  const raw = typeof reported === 'string' && reported.trim() !== '' ? reported.trim() : undefined;
  const license = normalizeLicense(raw);
  const said = raw === undefined ? 'the site reports no licence' : `the site reports the licence "${raw}"`;
  const verdict = admitLicense(license, ctx.config);
  if (verdict.admit) return { admit: true, license };
  return { admit: false, code: ErrorCode.RefusedLicense, reason: `Refused by the licence policy: ${said}; ${verdict.reason}.` };
}

/**
 * decideAdmission, then, for a yt-dlp source refused only as unknown-licence, the licence its site
 * reports decides. A lookup that fails rejects (the source fails like a failed download would).
 */
export async function decideAdmissionWithLookup(source: Source, ctx: PolicyContext, lookup: MetadataLookup): Promise<Admission> {
  const admission = decideAdmission(source, ctx);
  if (!needsReportedLicense(source, admission, ctx)) return admission;
  const info = await lookup(source);
  return admitReportedLicense(info.license, ctx);
}
