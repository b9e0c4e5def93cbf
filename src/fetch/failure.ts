/**
 * Fetch failures: a SourceError that also says how long the host asked us to wait and whether the
 * whole host (not only this source) must back off. The retry loop in index.ts reads both.
 */
import { ErrorCode, SourceError } from '../errors.js';

export class FetchError extends SourceError {
  constructor(
    code: ErrorCode,
    message: string,
    transient: boolean,
    /** Delay the server asked for (Retry-After), in milliseconds. */
    readonly retryAfterMs?: number,
    /** True when the host as a whole said "slow down" (429, 503, bot check): pause all its requests. */
    readonly hostWide = false,
  ) {
    super(code, message, transient);
    this.name = 'FetchError';
  }
}

/** Parses a Retry-After value (delta seconds or an HTTP date) into milliseconds from `nowMs`. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** The failure for an HTTP status that is neither success nor redirect. */
export function httpStatusError(status: number, retryAfter?: string): FetchError {
  const afterMs = parseRetryAfter(retryAfter);
  if (status === 404 || status === 410) {
    return new FetchError(ErrorCode.HttpNotFound, `The server says the file does not exist (HTTP ${status}).`, false);
  }
  if (status === 401 || status === 403) {
    return new FetchError(ErrorCode.HttpForbidden, `The server refused access to the file (HTTP ${status}).`, false);
  }
  if (status === 429) {
    return new FetchError(ErrorCode.RateLimited, 'The server asked us to slow down (HTTP 429).', true, afterMs, true);
  }
  if (status === 503) {
    return new FetchError(ErrorCode.HttpError, 'The server is temporarily unavailable (HTTP 503).', true, afterMs, true);
  }
  if (status >= 500 || status === 408) {
    return new FetchError(ErrorCode.HttpError, `The server failed to answer (HTTP ${status}).`, true);
  }
  return new FetchError(ErrorCode.HttpError, `The server answered with an unexpected status (HTTP ${status}).`, false);
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Maps a socket-level error (refused, reset, DNS) to a transient failure; other errors pass through. */
export function networkError(err: unknown): unknown {
  if (err instanceof SourceError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError' || e?.code === 'ENOSPC' || e?.code === 'EACCES') return err;
  if (e?.code && TIMEOUT_CODES.has(e.code)) return timeoutError();
  const detail = e?.code ?? e?.message ?? String(err);
  return new FetchError(ErrorCode.NetworkError, `The connection to the server failed (${detail}).`, true);
}

export function timeoutError(seconds?: number): FetchError {
  const span = seconds === undefined ? '' : ` for ${seconds} s`;
  return new FetchError(ErrorCode.Timeout, `The server stopped responding${span}.`, true);
}
