/** `s3://bucket/key` URIs: parsed, joined and printed one way everywhere. */
import path from 'node:path';

export interface S3Location {
  bucket: string;
  /** The object key, or a key prefix; never starts with `/`. */
  key: string;
}

const S3_URI = /^s3:\/\/([^/]+)\/?(.*)$/i;

export function isS3Uri(text: string): boolean {
  return /^s3:\/\//i.test(text.trim());
}

/** Splits `s3://bucket/key`; throws an Error for anything else (or a bucket that cannot be one). */
export function parseS3Uri(text: string): S3Location {
  const m = S3_URI.exec(text.trim());
  if (!m) throw new Error(`not an s3:// URI: ${text}`);
  const bucket = m[1]!;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`invalid S3 bucket name "${bucket}" in ${text}`);
  return { bucket, key: m[2]! };
}

export function formatS3Uri(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}`;
}

/**
 * The canonical spelling of an s3:// URI: the key with `.` and `..` segments resolved (as a path
 * of a folder would be) and repeated slashes kept, since S3 keys are plain strings. A relative
 * reference resolves against `base` (an s3:// "folder", e.g. the manifest's).
 */
export function canonicalS3Uri(raw: string, base?: string): string {
  if (!isS3Uri(raw)) {
    if (!base) throw new Error(`not an s3:// URI: ${raw}`);
    const dir = parseS3Uri(base);
    return formatS3Uri({ bucket: dir.bucket, key: resolveKey(path.posix.join(dir.key, raw)) });
  }
  const loc = parseS3Uri(raw);
  return formatS3Uri({ bucket: loc.bucket, key: resolveKey(loc.key) });
}

/**
 * The one spelling of an output prefix: canonical, without trailing slashes (`s3://b/v1/` is
 * `s3://b/v1`; a whole bucket is `s3://b/`). Run ids and the workers' checks use it.
 */
export function canonicalPrefixUri(raw: string): string {
  const loc = parseS3Uri(canonicalS3Uri(raw));
  return formatS3Uri({ bucket: loc.bucket, key: loc.key.replace(/\/+$/, '') });
}

function resolveKey(key: string): string {
  if (!/(^|\/)\.\.?(\/|$)/.test(key)) return key;
  const trailing = key.endsWith('/') ? '/' : '';
  const resolved = path.posix.normalize(`/${key}`).slice(1);
  return resolved === '' ? '' : resolved.replace(/\/$/, '') + trailing;
}

/** The "folder" of an object key, as an s3:// URI ending in `/`: the base of relative references. */
export function s3Dirname(uri: string): string {
  const loc = parseS3Uri(uri);
  const cut = loc.key.lastIndexOf('/');
  return formatS3Uri({ bucket: loc.bucket, key: cut < 0 ? '' : loc.key.slice(0, cut + 1) });
}

/** `prefix` and a relative path joined into one key, with exactly one `/` between them. */
export function joinKey(prefix: string, rel: string): string {
  if (prefix === '') return rel;
  return prefix.endsWith('/') ? prefix + rel : `${prefix}/${rel}`;
}
