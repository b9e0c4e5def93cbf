/**
 * Canonical URIs and the deterministic source ids derived from them: the same video named in
 * two spellings (upper-case host, default port, a fragment, a relative path) gets one id.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceKind } from '../types.js';
import { canonicalS3Uri, isS3Uri } from '../store/s3-uri.js';
import { hasVideoExtension } from './extensions.js';

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/** True for an http:// or https:// URL (any case). */
export function isHttpUrl(raw: string): boolean {
  return /^https?:\/\//i.test(raw.trim());
}

/**
 * http(s) URLs: scheme and host lower-cased, default port and fragment dropped, dot segments
 * resolved. `s3://bucket/key`: the key's dot segments resolved. `file://` URLs and plain paths: an
 * absolute, normalised path (relative paths resolve against `baseDir`, else the working directory;
 * a relative path in a manifest stored in S3 resolves against its s3:// folder). Other schemes are
 * refused with an Error.
 */
export function canonicalUri(raw: string, baseDir?: string): string {
  const text = raw.trim();
  if (text === '') throw new Error('empty URI');
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(`invalid URL ${text}`);
    }
    url.hash = '';
    return url.href;
  }
  if (scheme === 's3' || (scheme === undefined && baseDir !== undefined && isS3Uri(baseDir))) return canonicalS3Uri(text, baseDir);
  if (scheme === 'file') return path.resolve(fileURLToPath(new URL(text)));
  if (scheme !== undefined) throw new Error(`unsupported URI scheme "${scheme}:" in ${text}`);
  return path.resolve(baseDir ?? process.cwd(), text);
}

/** First 16 hex digits of the SHA-256 of the canonical URI: short, stable, safe as a file name. */
export function sourceId(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Hosts whose pages are only reachable through yt-dlp. */
const WEB_PAGE_HOSTS = ['youtube.com', 'youtu.be', 'youtube-nocookie.com', 'vimeo.com'];

function isWebPageHost(host: string): boolean {
  return WEB_PAGE_HOSTS.some((h) => host === h || host.endsWith(`.${h}`));
}

/**
 * How a canonical URI is fetched. Known video sites go through yt-dlp; with `webPages` (a preset
 * whose URLs are pages), so does any http URL whose path has no video extension.
 */
export function sourceKind(uri: string, opts: { webPages?: boolean } = {}): SourceKind {
  if (isS3Uri(uri)) return 's3';
  if (!isHttpUrl(uri)) return 'file';
  const url = new URL(uri);
  if (isWebPageHost(url.hostname)) return 'ytdlp';
  if (opts.webPages && !hasVideoExtension(url.pathname)) return 'ytdlp';
  return 'http';
}
