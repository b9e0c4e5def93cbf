/**
 * The fetch stage: turns a Source into a local file (FetchResult) or a final SourceError. Transient
 * failures are retried here with exponential backoff and jitter; a host that says "slow down" is
 * paused for all its sources through the HostGate, and one that asks for longer than
 * `maxWaitSec` fails its sources with `rate_limited` instead of being waited on.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FetchConfig } from '../config/schema.js';
import { ErrorCode, SourceError } from '../errors.js';
import type { FetchResult, Source } from '../types.js';
import { FetchError } from './failure.js';
import { downloadHttp, type HeadersHook } from './http.js';
import { readLocalFile } from './local.js';
import { LocalRoots } from './local-roots.js';
import { hostOf, type HostGate } from './politeness.js';
import { fetchWithYtDlp } from './ytdlp.js';

export { hostOf } from './politeness.js';

/** What a run may reach besides public URLs; chosen by the user on the machine that fetches, never by a manifest or a queue. */
export interface FetchAccess {
  /** Local files are read only under these (none by default). */
  localRoots: LocalRoots;
  /** Fetch from private, loopback, link-local and multicast addresses too (refused by default). */
  allowPrivateNetwork?: boolean;
}

export interface FetchDeps extends Partial<FetchAccess> {
  gate: HostGate;
  /** Sees the final http response's status and headers before the body; throw to refuse the source. */
  onHeaders?: HeadersHook;
  signal?: AbortSignal;
}

/**
 * Fetches one source into `workDir` (http, yt-dlp, s3) or reads it in place (file). Resolves to the
 * result, or rejects with the final SourceError after retries (FatalError when yt-dlp is missing).
 */
export async function fetchSource(source: Source, workDir: string, cfg: FetchConfig, deps: FetchDeps): Promise<FetchResult> {
  if (source.kind === 'file') return readLocalFile(source.uri, deps.localRoots ?? LocalRoots.none);
  if (source.kind === 's3') {
    await mkdir(workDir, { recursive: true });
    // Loaded on first use: the S3 SDK is large and most runs never touch a bucket.
    const { fetchS3Object } = await import('./s3.js');
    return fetchS3Object(source.uri, workDir, source.id, cfg.maxBytes, deps.signal);
  }
  const host = hostOfSource(source.uri);
  await mkdir(workDir, { recursive: true });
  const attempt = (): Promise<FetchResult> =>
    source.kind === 'ytdlp'
      ? viaYtDlp(source, workDir, cfg, deps)
      : fetchHttp(source, workDir, cfg, deps);
  return withRetries(host, cfg, deps, attempt);
}

/** Thrown from the headers hook when an http source turns out to be a web page, not a media file. */
class WebPage extends Error {}

const HTML_TYPES = /^\s*(text\/html|application\/xhtml\+xml)\b/i;

/**
 * Downloads a media URL. A URL that answers with an HTML page is handed to yt-dlp instead (the
 * page may embed a video), without reading the page body.
 */
async function fetchHttp(source: Source, workDir: string, cfg: FetchConfig, deps: FetchDeps): Promise<FetchResult> {
  const dest = path.join(workDir, source.id + urlExtension(source.uri));
  let download;
  try {
    download = await downloadHttp(source.uri, dest, {
      timeoutSec: cfg.timeoutSec,
      maxBytes: cfg.maxBytes,
      limits: cfg,
      allowPrivateNetwork: deps.allowPrivateNetwork,
      userAgent: cfg.userAgent,
      onHeaders: async (status, headers, lines) => {
        await deps.onHeaders?.(status, headers, lines);
        if (HTML_TYPES.test(String(headers['content-type'] ?? ''))) throw new WebPage();
      },
      signal: deps.signal,
    });
  } catch (err) {
    if (!(err instanceof WebPage)) throw err;
    return viaYtDlp(source, workDir, cfg, deps);
  }
  return {
    path: download.path,
    bytes: download.bytes,
    sha256: download.sha256,
    finalUri: download.finalUrl,
    retrievedAt: new Date().toISOString(),
    headers: download.headers,
  };
}

/** yt-dlp connects by itself: through the egress guard unless private networks are allowed (ytdlp.ts). */
async function viaYtDlp(source: Source, workDir: string, cfg: FetchConfig, deps: FetchDeps): Promise<FetchResult> {
  const req = { url: source.uri, name: source.id, workDir, spans: source.spans, signal: deps.signal, allowPrivateNetwork: deps.allowPrivateNetwork };
  return fetchWithYtDlp(req, cfg);
}

/**
 * Runs `attempt` under the host gate until it succeeds, fails permanently or runs out of retries:
 * the politeness of every request clipmill makes (downloads, and rechecks of finished datasets).
 */
export async function withRetries<T>(
  host: string,
  cfg: FetchConfig,
  deps: Pick<FetchDeps, 'gate' | 'signal'>,
  attempt: () => Promise<T>,
): Promise<T> {
  const maxWaitMs = cfg.maxWaitSec * 1000;
  for (let n = 0; ; n++) {
    await refuseLongPause(deps.gate, host, maxWaitMs);
    const release = await deps.gate.acquire(host, deps.signal);
    let waitMs: number;
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof SourceError) || !err.transient) throw err;
      const asked = err instanceof FetchError ? err.retryAfterMs : undefined;
      waitMs = asked ?? backoffMs(n, cfg.backoffSec, maxWaitMs);
      const hostWide = err instanceof FetchError && err.hostWide;
      if (hostWide) await deps.gate.penalize(host, Date.now() + waitMs);
      if (waitMs > maxWaitMs) throw pauseTooLong(host, waitMs, maxWaitMs);
      if (n >= cfg.retries) throw err;
      // A host-wide pause is waited out inside acquire(), together with the host's other sources.
      if (hostWide) waitMs = 0;
    } finally {
      release();
    }
    if (waitMs > 0) await sleep(waitMs, undefined, { signal: deps.signal });
  }
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retries of many sources spread out. */
function backoffMs(attempt: number, baseSec: number, capMs: number): number {
  const full = Math.min(capMs, baseSec * 1000 * 2 ** attempt);
  return full / 2 + (Math.random() * full) / 2;
}

async function refuseLongPause(gate: HostGate, host: string, maxWaitMs: number): Promise<void> {
  const remaining = (await gate.pausedUntil(host)) - Date.now();
  if (remaining > maxWaitMs) throw pauseTooLong(host, remaining, maxWaitMs);
}

function pauseTooLong(host: string, waitMs: number, maxWaitMs: number): FetchError {
  return new FetchError(
    ErrorCode.RateLimited,
    `${host} asked us to wait ${Math.ceil(waitMs / 1000)} s, longer than the ${maxWaitMs / 1000} s allowed (fetch.maxWaitSec); try again later.`,
    true,
  );
}

function hostOfSource(uri: string): string {
  try {
    return hostOf(uri);
  } catch {
    throw new FetchError(ErrorCode.HttpError, `The source URL is not valid: ${uri}`, false);
  }
}

/** The URL's file extension when it looks like one (helps tools that go by name), else none. */
function urlExtension(url: string): string {
  const ext = path.posix.extname(new URL(url).pathname);
  return /^\.[a-z0-9]{1,5}$/i.test(ext) ? ext.toLowerCase() : '';
}
