/**
 * One attempt at downloading an http(s) URL to a file: redirects, idle/connect timeout, size limit,
 * resume of a partial download kept in `<dest>.part`, SHA-256 while streaming. Retries and host
 * politeness live in index.ts and politeness.ts; this module only reports what went wrong.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, SourceError } from '../errors.js';
import { FetchError, httpStatusError, networkError, timeoutError } from './failure.js';
import { checkLiteralHost, publicOnlyLookup } from './address-policy.js';
import { hashFileInto } from './hash.js';
import { TransferGuard, type TransferLimits } from './transfer-guard.js';

/**
 * Called with the final response's status and lower-cased headers before any of the body is read.
 * `headers` joins a header sent on several lines into one value; `lines` keeps each line apart
 * (what X-Robots-Tag needs: a scope on one line must not reach into the next).
 * Throwing (e.g. a SourceError for an opt-out header) abandons the download.
 */
export type HeadersHook = (
  status: number,
  headers: Record<string, string>,
  lines: Record<string, string[]>,
) => void | Promise<void>;

export interface HttpOptions {
  /** Seconds allowed for connecting and, after that, without any bytes arriving. */
  timeoutSec: number;
  maxBytes: number;
  userAgent: string;
  /** Connect to private, loopback, link-local and multicast addresses too (--allow-private-network). */
  allowPrivateNetwork?: boolean;
  /** Deadline and minimum rate of the attempt. */
  limits: TransferLimits;
  onHeaders?: HeadersHook;
  signal?: AbortSignal;
}

export interface HttpDownload {
  path: string;
  bytes: number;
  sha256: string;
  /** URL after redirects. */
  finalUrl: string;
  status: number;
  /** Provenance-relevant response headers, lower-cased. */
  headers: Record<string, string>;
}

export const MAX_REDIRECTS = 10;
export const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const KEPT_HEADERS = ['content-type', 'etag', 'last-modified', 'x-robots-tag', 'content-disposition'];

/** Downloads `url` to `dest`. Throws a SourceError (FetchError) with a stable code on failure. */
export async function downloadHttp(url: string, dest: string, opts: HttpOptions): Promise<HttpDownload> {
  const guard = new TransferGuard(opts.limits);
  try {
    return await attemptDownload(url, dest, opts, guard);
  } finally {
    guard.stop();
  }
}

async function attemptDownload(url: string, dest: string, opts: HttpOptions, guard: TransferGuard): Promise<HttpDownload> {
  const part = `${dest}.part`;
  let offset = await resumableOffset(part, url);
  let current = checkedUrl(url, opts);
  let redirects = 0;
  for (;;) {
    const validator = offset > 0 ? (await readPartState(part))?.validator : undefined;
    const { res, reason } = await open(current, requestHeaders(opts.userAgent, offset, validator), opts, { guard });
    const status = res.statusCode ?? 0;
    const location = res.headers.location;

    if (REDIRECT_STATUSES.has(status) && location) {
      res.resume();
      if (++redirects > MAX_REDIRECTS) throw tooManyRedirects();
      current = checkedUrl(new URL(location, current).href, opts);
      continue;
    }
    if (status === 416 && offset > 0) {
      // Our partial file no longer fits the server's file: start over.
      res.resume();
      await discardPart(part);
      offset = 0;
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw httpStatusError(status, headerValue(res.headers['retry-after']));
    }

    const headers = flattenHeaders(res.headers);
    const range = status === 206 ? parseContentRange(headers['content-range']) : undefined;
    if (status === 206 && range?.start !== offset) {
      res.destroy();
      if (offset === 0) {
        throw new FetchError(ErrorCode.HttpError, 'The server sent a partial response that was not asked for.', false);
      }
      await discardPart(part);
      offset = 0;
      continue;
    }
    // A 200 to a Range request carries the whole file: the partial file is overwritten below.
    if (status !== 206) offset = 0;

    const total = range ? range.total : contentLength(headers);
    if (total !== undefined && total > opts.maxBytes) {
      res.destroy();
      await discardPart(part);
      throw tooLarge(total, opts.maxBytes);
    }
    try {
      await opts.onHeaders?.(status, headers, headerLines(res));
    } catch (err) {
      res.destroy();
      await discardPart(part);
      throw err;
    }
    await writePartState(part, { url, validator: validatorOf(headers) });

    guard.bodyStarts(total === undefined ? undefined : total - offset);
    const digest = await streamBody(res, part, offset, opts.maxBytes, reason, guard);
    if (total !== undefined && digest.bytes !== total) {
      // The partial file stays for the next attempt to resume from.
      throw new FetchError(ErrorCode.NetworkError, `The connection closed after ${digest.bytes} of ${total} bytes.`, true);
    }
    if (digest.bytes === 0) {
      await discardPart(part);
      throw new FetchError(ErrorCode.EmptyFile, 'The server sent an empty file.', false);
    }
    await rename(part, dest);
    await rm(partStatePath(part), { force: true });
    return {
      path: dest,
      bytes: digest.bytes,
      sha256: digest.sha256,
      finalUrl: current,
      status,
      headers: Object.fromEntries(KEPT_HEADERS.filter((h) => headers[h] !== undefined).map((h) => [h, headers[h]])),
    };
  }
}

export interface Exchange {
  res: IncomingMessage;
  /** Why the exchange was cut by us (timeout), if it was. */
  reason: () => FetchError | undefined;
}

/**
 * One request (GET unless `method` says otherwise); resolves once the response headers are in. A
 * download's `guard` (deadline, minimum rate) may cut it.
 */
export function open(
  url: string,
  headers: Record<string, string>,
  opts: Pick<HttpOptions, 'timeoutSec' | 'signal' | 'allowPrivateNetwork'>,
  request: { method?: string; guard?: TransferGuard } = {},
): Promise<Exchange> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    let reason: FetchError | undefined;
    // `timeout` arms the socket before it connects, so it bounds the connect and every later silence.
    // Names are checked on the addresses they resolve to, at connect time (see address-policy.ts).
    const lookup = opts.allowPrivateNetwork ? undefined : publicOnlyLookup;
    const method = request.method ?? 'GET';
    const req = client.request(url, { method, headers, timeout: opts.timeoutSec * 1000, signal: opts.signal, lookup }, (res) =>
      resolve({ res, reason: () => reason }),
    );
    const cut = (err: FetchError): void => {
      reason ??= err;
      req.destroy(reason);
    };
    req.on('timeout', () => cut(timeoutError(opts.timeoutSec)));
    request.guard?.watch(cut);
    req.on('error', (err) => reject(reason ?? networkError(err)));
    req.end();
  });
}

/** Appends (or writes) the body to `part`, hashing the bytes already there first. */
async function streamBody(
  res: IncomingMessage,
  part: string,
  offset: number,
  maxBytes: number,
  reason: () => FetchError | undefined,
  guard: TransferGuard,
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  if (offset > 0) await hashFileInto(hash, part);
  let bytes = offset;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      guard.received(chunk.length);
      if (bytes > maxBytes) return done(tooLarge(bytes, maxBytes));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(res, meter, createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' }));
  } catch (err) {
    if (err instanceof SourceError && err.code === ErrorCode.TooLarge) {
      await discardPart(part);
      throw err;
    }
    throw reason() ?? networkError(err);
  }
  return { bytes, sha256: hash.digest('hex') };
}

export function tooManyRedirects(): FetchError {
  return new FetchError(ErrorCode.HttpError, `The server redirected more than ${MAX_REDIRECTS} times.`, false);
}

function tooLarge(bytes: number, maxBytes: number): FetchError {
  return new FetchError(
    ErrorCode.TooLarge,
    `The file is larger than the ${maxBytes}-byte limit (at least ${bytes} bytes).`,
    false,
  );
}

/** The URL of one hop (the first request or a redirect), refused when it is not http(s) or names a private IP. */
export function checkedUrl(url: string, opts: Pick<HttpOptions, 'allowPrivateNetwork'>): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FetchError(ErrorCode.HttpError, `Cannot download a ${parsed.protocol} URL over http.`, false);
  }
  if (!opts.allowPrivateNetwork) checkLiteralHost(parsed);
  return url;
}

export function requestHeaders(userAgent: string, offset: number, validator?: string): Record<string, string> {
  // identity: the bytes hashed and stored are the file itself, never a compressed transfer form.
  const headers: Record<string, string> = { 'user-agent': userAgent, accept: '*/*', 'accept-encoding': 'identity' };
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    if (validator) headers['if-range'] = validator;
  }
  return headers;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export function flattenHeaders(raw: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    const text = headerValue(value);
    if (text !== undefined) out[name.toLowerCase()] = text;
  }
  return out;
}

/** Each header's lines as sent, names lower-cased. */
export function headerLines(res: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(res.headersDistinct)) if (values) out[name] = values;
  return out;
}

export function contentLength(headers: Record<string, string>): number | undefined {
  const value = headers['content-length'];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

export function parseContentRange(value: string | undefined): { start: number; total?: number } | undefined {
  const m = value?.match(/^bytes (\d+)-(\d+)\/(\d+|\*)$/);
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

/** A strong ETag or else Last-Modified: what If-Range needs to guarantee the pieces match. */
function validatorOf(headers: Record<string, string>): string | undefined {
  const etag = headers.etag;
  if (etag && !etag.startsWith('W/')) return etag;
  return headers['last-modified'];
}

interface PartState {
  url: string;
  validator?: string;
}

const partStatePath = (part: string): string => `${part}.json`;

async function readPartState(part: string): Promise<PartState | undefined> {
  try {
    return JSON.parse(await readFile(partStatePath(part), 'utf8')) as PartState;
  } catch {
    return undefined;
  }
}

function writePartState(part: string, state: PartState): Promise<void> {
  return writeFile(partStatePath(part), JSON.stringify(state));
}

/** Size of a partial download of the same URL left by an earlier attempt; 0 (and cleaned up) otherwise. */
async function resumableOffset(part: string, url: string): Promise<number> {
  const state = await readPartState(part);
  const size = await stat(part).then((s) => s.size, () => 0);
  if (state?.url === url && size > 0) return size;
  await discardPart(part);
  return 0;
}

async function discardPart(part: string): Promise<void> {
  await rm(part, { force: true });
  await rm(partStatePath(part), { force: true });
}
