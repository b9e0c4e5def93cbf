/**
 * Downloads an `s3://bucket/key` source into the work folder, with the size limit, and keeps its
 * ETag, type and date as provenance. Retries of throttling and 5xx answers are the SDK's own
 * (standard retry mode); the host politeness gate is for other people's servers, not this bucket.
 */
import { S3ServiceException } from '@aws-sdk/client-s3';
import path from 'node:path';
import { ErrorCode } from '../errors.js';
import { downloadObject, ObjectTooLarge } from '../store/s3.js';
import { parseS3Uri } from '../store/s3-uri.js';
import type { FetchResult } from '../types.js';
import { FetchError, httpStatusError, networkError } from './failure.js';

export async function fetchS3Object(uri: string, workDir: string, name: string, maxBytes: number, signal?: AbortSignal): Promise<FetchResult> {
  const loc = parseS3Uri(uri);
  const ext = path.posix.extname(loc.key);
  const dest = path.join(workDir, name + (/^\.[a-z0-9]{1,5}$/i.test(ext) ? ext.toLowerCase() : ''));
  let got;
  try {
    got = await downloadObject(loc, dest, { maxBytes, signal });
  } catch (err) {
    throw s3Failure(err, uri);
  }
  if (got.bytes === 0) throw new FetchError(ErrorCode.EmptyFile, `The object ${uri} is empty.`, false);
  return { path: dest, bytes: got.bytes, sha256: got.sha256, finalUri: uri, retrievedAt: new Date().toISOString(), headers: got.headers };
}

function s3Failure(err: unknown, uri: string): unknown {
  if (err instanceof ObjectTooLarge) return new FetchError(ErrorCode.TooLarge, err.message, false);
  if (err instanceof S3ServiceException) {
    const status = err.$metadata.httpStatusCode ?? 0;
    if (status === 404) return new FetchError(ErrorCode.HttpNotFound, `There is no object ${uri} (S3 said ${err.name}).`, false);
    if (status > 0) return httpStatusError(status);
  }
  return networkError(err);
}
