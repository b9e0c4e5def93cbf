/**
 * Stable error codes for a failed or refused source. A code never changes meaning once released:
 * downstream tools group failures by it (stats.json status_dict, `clipmill status`).
 */
export const ErrorCode = {
  HttpNotFound: 'http_not_found',
  HttpForbidden: 'http_forbidden',
  HttpError: 'http_error',
  RateLimited: 'rate_limited',
  Timeout: 'timeout',
  NetworkError: 'network_error',
  TooLarge: 'too_large',
  FileNotFound: 'file_not_found',
  EmptyFile: 'empty_file',
  NotAVideo: 'not_a_video',
  NoVideoStream: 'no_video_stream',
  CorruptVideo: 'corrupt_video',
  TruncatedVideo: 'truncated_video',
  UnsupportedCodec: 'unsupported_codec',
  /** A real format, but not a video container clipmill reads (audio-only formats, subtitle files, ...). */
  UnsupportedContainer: 'unsupported_container',
  DecodeFailed: 'decode_failed',
  EncodeFailed: 'encode_failed',
  Unavailable: 'unavailable',
  DiskFull: 'disk_full',
  /** The source's record could not be written (metadata too deep or odd for JSON). */
  RecordUnwritable: 'record_unwritable',
  /** A download slower than the minimum transfer rate (fetch.minRateBytesPerSec over fetch.minRateWindowSec). */
  TooSlow: 'too_slow',
  RefusedLicense: 'refused_license',
  RefusedOptOut: 'refused_opt_out',
  RefusedTakedown: 'refused_takedown',
  /** A playlist (HLS, DASH, concat, ...): it names other files or URLs, which are never followed. */
  RefusedPlaylist: 'refused_playlist',
  /** A URL (or a redirect) to a private, loopback, link-local or multicast address (--allow-private-network). */
  RefusedPrivateAddress: 'refused_private_address',
  /** A local path outside the folders the user allowed (--allow-local). */
  RefusedLocalPath: 'refused_local_path',
  /** An s3:// object outside the buckets and prefixes a worker allows (--s3-allow). */
  RefusedS3Location: 'refused_s3_location',
  Internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An expected failure of one source: a stable code plus a sentence a person understands. */
export class SourceError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Transient failures (network, 5xx, rate limits) may be retried; permanent ones are recorded once. */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/** A problem that stops the whole run (bad config, unwritable output): exit non-zero with this message. */
export class FatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FatalError';
  }
}

/** Maps any thrown value to a code and message for a source record. */
export function describeError(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof SourceError) return { code: err.code, message: err.message };
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOSPC') return { code: ErrorCode.DiskFull, message: 'The output disk is full.' };
  return { code: ErrorCode.Internal, message: `Unexpected error: ${e?.message ?? String(err)}` };
}
