/**
 * One recheck: asks a source's origin whether what the dataset took from it is still there, and
 * under the same terms. Direct files get a HEAD (or a one-byte ranged GET), web pages a
 * metadata-only yt-dlp call; both go through the fetcher's retry loop and host gate, so a recheck
 * is as polite as a download (per-host limits, Retry-After, backoff, maxWaitSec).
 *
 * Only an answer that says so makes a source gone (404, 410, yt-dlp's "unavailable", "private",
 * "removed by the uploader", "account terminated"); anything unclear (timeouts, 5xx, 403, a host
 * that keeps saying "slow down", age gates) is `unknown`, which never takes a source down.
 */
import type { FetchConfig, PolicyConfig } from '../config/schema.js';
import { describeError, ErrorCode, FatalError } from '../errors.js';
import { askHttp, type HttpAnswer } from '../fetch/http-check.js';
import { hostOf, withRetries } from '../fetch/index.js';
import type { HostGate } from '../fetch/politeness.js';
import { ytDlpMetadata } from '../fetch/ytdlp.js';
import type { SourceRecord } from '../types.js';
import { robotsTagRefusal, userAgentToken } from './optout.js';

export type RecheckOutcome = 'present' | 'gone' | 'changed' | 'opted_out' | 'unknown';

/** What a recheck needs of a source record: small, so that it also fits a queue job. */
export interface RecheckTarget {
  id: string;
  uri: string;
  /** A web page fetched through yt-dlp (not a media file): checked with yt-dlp. */
  page: boolean;
  /** What the source record's provenance says of the file as it was fetched. */
  bytes?: number;
  etag?: string;
  lastModified?: string;
}

export interface OriginCheck {
  outcome: RecheckOutcome;
  /** Short and specific: `HTTP 410`, `noai`, `yt-dlp: private video`, `ETag "a" → "b"`, or the error. */
  reason: string;
  /** The host itself could not be reached (connection refused, name not resolved), not only this file. */
  hostUnreachable?: boolean;
}

export interface OriginCheckContext {
  fetch: FetchConfig;
  policy: Pick<PolicyConfig, 'honorRobotsTag' | 'robotsTagDirectives'>;
  gate: HostGate;
  /** Ask private, loopback and link-local addresses too (refused by default, as for downloads). */
  allowPrivateNetwork?: boolean;
  signal?: AbortSignal;
}

/** The recheck target of an admitted web source; undefined for local files. */
export function recheckTarget(record: SourceRecord): RecheckTarget | undefined {
  if (record.kind === 'file') return undefined;
  const p = record.provenance;
  return {
    id: record.id,
    uri: record.uri,
    // An http source that answered with an HTML page was handed to yt-dlp; its metadata says so.
    page: record.kind === 'ytdlp' || p?.fetcherMetadata !== undefined,
    bytes: p?.bytes,
    etag: p?.headers?.etag,
    lastModified: p?.headers?.['last-modified'],
  };
}

/** Asks the origin of one source; never throws for what the origin answers (only for a cancelled run or a missing tool). */
export async function checkOrigin(target: RecheckTarget, ctx: OriginCheckContext): Promise<OriginCheck> {
  try {
    const host = hostOf(target.uri);
    const deps = { gate: ctx.gate, signal: ctx.signal };
    if (target.page) {
      await withRetries(host, ctx.fetch, deps, () => ytDlpMetadata(target.uri, ctx.fetch, { signal: ctx.signal, allowPrivateNetwork: ctx.allowPrivateNetwork }));
      return { outcome: 'present', reason: 'yt-dlp still finds the video' };
    }
    const answer = await withRetries(host, ctx.fetch, deps, () =>
      askHttp(target.uri, { timeoutSec: ctx.fetch.timeoutSec, userAgent: ctx.fetch.userAgent, signal: ctx.signal, allowPrivateNetwork: ctx.allowPrivateNetwork }),
    );
    return judgeAnswer(target, answer, ctx);
  } catch (err) {
    if (ctx.signal?.aborted || err instanceof FatalError) throw err;
    return judgeFailure(err);
  }
}

function judgeAnswer(target: RecheckTarget, answer: HttpAnswer, ctx: OriginCheckContext): OriginCheck {
  if (answer.status === 404 || answer.status === 410) return { outcome: 'gone', reason: `HTTP ${answer.status}` };
  if (ctx.policy.honorRobotsTag) {
    const refusal = robotsTagRefusal(answer.lines, userAgentToken(ctx.fetch.userAgent), ctx.policy.robotsTagDirectives);
    // The ledger wants the directive (`noai`); the whole sentence stands in if its wording ever changes.
    if (refusal) return { outcome: 'opted_out', reason: refusal.match(/\(directive ([^)]+)\)$/)?.[1] ?? refusal };
  }
  const changes = differences(target, answer);
  if (changes.length > 0) return { outcome: 'changed', reason: changes.join('; ') };
  return { outcome: 'present', reason: `HTTP ${answer.status}` };
}

/** ETag compared without its weak marker: a server may weaken a tag when it compresses. */
const opaqueTag = (etag: string): string => etag.replace(/^W\//, '');

/** How the file differs from the provenance; only what both sides state is compared. */
function differences(target: RecheckTarget, answer: HttpAnswer): string[] {
  const out: string[] = [];
  // A size of 0 is what some servers say to HEAD whatever the file: no evidence of a change.
  if (target.bytes !== undefined && answer.size && answer.size !== target.bytes) {
    out.push(`size ${target.bytes} → ${answer.size} bytes`);
  }
  const etag = answer.headers.etag;
  if (target.etag !== undefined && etag !== undefined && opaqueTag(etag) !== opaqueTag(target.etag)) {
    out.push(`ETag ${target.etag} → ${etag}`);
  }
  const modified = answer.headers['last-modified'];
  if (target.lastModified !== undefined && modified !== undefined && Date.parse(modified) !== Date.parse(target.lastModified)) {
    out.push(`Last-Modified ${target.lastModified} → ${modified}`);
  }
  return out;
}

/** yt-dlp's words for a video its author or the site removed, and the label the ledger gets. */
const YTDLP_GONE: Array<[RegExp, string]> = [
  [/private video|video is private/i, 'private video'],
  [/removed by the uploader/i, 'removed by the uploader'],
  [/account .*terminated|terminated account/i, 'account terminated'],
  [/copyright/i, 'removed after a copyright claim'],
  [/video unavailable|no longer available|video is not available|has been removed/i, 'video unavailable'],
];

/** Failures that mean the host as a whole is not there: refused connections and names that do not resolve. */
const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|Connection refused|Name or service not known|name resolution|getaddrinfo|No route to host|Network is unreachable/i;

/** What a failed check means: gone only when the origin said so; otherwise unknown (and whether the whole host is out of reach). */
export function judgeFailure(err: unknown): OriginCheck {
  const { code, message } = describeError(err);
  if (code === ErrorCode.HttpNotFound) {
    return { outcome: 'gone', reason: `HTTP ${message.match(/HTTP (?:Error )?(404|410)/)?.[1] ?? 404}` };
  }
  if (code === ErrorCode.Unavailable) {
    const label = YTDLP_GONE.find(([pattern]) => pattern.test(message))?.[1];
    if (label) return { outcome: 'gone', reason: `yt-dlp: ${label}` };
  }
  const hostUnreachable = code === ErrorCode.NetworkError && UNREACHABLE.test(message);
  return { outcome: 'unknown', reason: `${code}: ${message}`, ...(hostUnreachable ? { hostUnreachable } : {}) };
}
