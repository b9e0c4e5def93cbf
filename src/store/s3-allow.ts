/**
 * Where a process may touch S3 with its credentials (`clipmill worker --s3-allow bucket[/prefix]`).
 * A worker's credentials often reach more buckets than any one run should: a job forged in Redis
 * (or a manifest row) naming another bucket must not make the worker read it into a dataset or
 * write into it. With an allow-list set, every S3 call of the process (get, head, list, put,
 * multipart, delete) is checked against it first; without one (a local run) nothing is limited.
 * The list lives here, apart from the SDK, so that a worker sets it without loading the SDK.
 */
import { ErrorCode, SourceError } from '../errors.js';
import { formatS3Uri, parseS3Uri, type S3Location } from './s3-uri.js';

export class S3AllowList {
  private constructor(private readonly entries: readonly S3Location[]) {}

  /** Parses `bucket` or `bucket/prefix` entries (an `s3://` in front is accepted); throws an Error for a bad one. */
  static of(specs: readonly string[]): S3AllowList {
    return new S3AllowList(specs.map((spec) => {
      const loc = parseS3Uri(/^s3:\/\//i.test(spec) ? spec : `s3://${spec}`);
      if (loc.key.split('/').some((part) => part === '..' || part === '.')) throw new Error(`--s3-allow ${spec}: no . or .. segments`);
      return { bucket: loc.bucket, key: loc.key.replace(/\/+$/, '') };
    }));
  }

  /**
   * Whether `loc` (an object key or a listed prefix) lies inside an entry: the same bucket, and a
   * key equal to the entry's prefix or below it as a folder (`runs` allows `runs/x`, not `runs2/x`).
   */
  allows(loc: S3Location): boolean {
    return this.entries.some((e) => e.bucket === loc.bucket && (e.key === '' || loc.key === e.key || loc.key.startsWith(`${e.key}/`)));
  }

  /** Throws SourceError(refused_s3_location) for a location outside every entry. */
  check(loc: S3Location): void {
    if (this.allows(loc)) return;
    const allowed = this.entries.map(formatS3Uri).join(', ') || 'none';
    throw new SourceError(ErrorCode.RefusedS3Location, `${formatS3Uri(loc)} is outside the S3 locations this process may use (--s3-allow: ${allowed}).`);
  }
}

let processList: S3AllowList | undefined;

/** Limits every later S3 call of this process to `list` (a worker calls it once at start). */
export function limitS3Access(list: S3AllowList): void {
  processList = list;
}

/** Throws SourceError(refused_s3_location) when the process's allow-list does not cover `loc`. */
export function checkS3Access(loc: S3Location): void {
  processList?.check(loc);
}
