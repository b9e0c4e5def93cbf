/**
 * Uploads a local file to one S3 key, atomically: a file up to `partSize` goes in one PUT, a
 * larger one as a multipart upload. S3 makes an object visible only when its PUT or its
 * CompleteMultipartUpload succeeds, so a reader never sees part of a file under its final name,
 * even when the uploading process is killed; the parts of an upload that was never completed stay
 * invisible (a failed upload is aborted here; a killed one is cleaned up by the bucket's
 * AbortIncompleteMultipartUpload lifecycle rule). That is why no temporary key and copy are used:
 * they would double the bytes moved and add nothing a reader can see.
 *
 * Every object carries its SHA-256 as `x-amz-meta-sha256`, so a later sync can tell whether the
 * object already holds this file without downloading it.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { hashFile } from '../fetch/hash.js';
import { checkS3Access } from './s3-allow.js';
import { headObject, putObject, s3Client, type ListedObject } from './s3.js';
import type { S3Location } from './s3-uri.js';

/**
 * 16 MiB parts by default (CLIPMILL_S3_PART_BYTES sets another size): S3 needs at least 5 MiB per
 * part (but the last) and at most 10,000 parts (so up to 160 GiB at the default).
 */
export const DEFAULT_PART_BYTES = 16 * 1024 * 1024;
const MIN_PART_BYTES = 5 * 1024 * 1024;

function defaultPartBytes(): number {
  const fromEnv = Number(process.env.CLIPMILL_S3_PART_BYTES);
  return Number.isSafeInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_PART_BYTES;
}
const PARALLEL_PARTS = 4;

export interface UploadOptions {
  partSize?: number;
  /** Called after each uploaded part of a multipart upload (progress); the upload waits for it. */
  onPart?: (partNumber: number, parts: number) => void | Promise<void>;
}

export async function uploadFile(file: string, dest: S3Location, opts: UploadOptions = {}): Promise<void> {
  checkS3Access(dest);
  const partSize = Math.max(MIN_PART_BYTES, opts.partSize ?? defaultPartBytes());
  const { bytes, sha256 } = await hashFile(file);
  const metadata = { sha256 };
  if (bytes <= partSize) {
    await putObject(dest, await readFile(file), metadata);
    return;
  }
  const client = s3Client();
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: dest.bucket, Key: dest.key, Metadata: metadata }));
  const uploadId = created.UploadId!;
  const parts = Math.ceil(bytes / partSize);
  try {
    const done = await uploadParts(file, dest, uploadId, parts, partSize, opts.onPart);
    await client.send(
      new CompleteMultipartUploadCommand({ Bucket: dest.bucket, Key: dest.key, UploadId: uploadId, MultipartUpload: { Parts: done } }),
    );
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: dest.bucket, Key: dest.key, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
}

/** The parts, a few at a time, each read from the file only when its turn comes (memory: a few parts). */
async function uploadParts(
  file: string,
  dest: S3Location,
  uploadId: string,
  parts: number,
  partSize: number,
  onPart: UploadOptions['onPart'],
): Promise<CompletedPart[]> {
  const handle = await open(file, 'r');
  const done: CompletedPart[] = [];
  let next = 1;
  const worker = async (): Promise<void> => {
    while (next <= parts) {
      const partNumber = next++;
      const buffer = Buffer.alloc(partSize);
      const { bytesRead } = await handle.read(buffer, 0, partSize, (partNumber - 1) * partSize);
      const res = await s3Client().send(
        new UploadPartCommand({ Bucket: dest.bucket, Key: dest.key, UploadId: uploadId, PartNumber: partNumber, Body: buffer.subarray(0, bytesRead) }),
      );
      done.push({ PartNumber: partNumber, ETag: res.ETag });
      await onPart?.(partNumber, parts);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, parts) }, worker));
  } finally {
    await handle.close();
  }
  return done.sort((a, b) => a.PartNumber! - b.PartNumber!);
}

/**
 * Whether the listed object already holds `file`: sizes first, then the ETag (the MD5 of an object
 * sent in one PUT without KMS encryption), else the SHA-256 our uploads record in the metadata.
 */
export async function holdsFile(file: string, listed: ListedObject, loc: S3Location): Promise<boolean> {
  const size = await stat(file).then((s) => s.size, () => -1);
  if (size !== listed.size) return false;
  if (size <= DEFAULT_PART_BYTES && listed.etag === (await md5File(file))) return true;
  const head = await headObject(loc);
  return head?.metadata.sha256 === (await hashFile(file)).sha256;
}

async function md5File(file: string): Promise<string> {
  return createHash('md5').update(await readFile(file)).digest('hex');
}
