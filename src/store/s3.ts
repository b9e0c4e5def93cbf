/**
 * The S3 client layer: one client per process, configured once (`--s3-endpoint` for S3-compatible
 * servers), credentials and region from the usual AWS chain (environment, shared config/credentials
 * files and AWS_PROFILE, SSO, web identity, container and instance roles), and the few object
 * operations clipmill uses: list a prefix, head, download with a size limit, put, delete. Each
 * one checks the process's allow-list first (`--s3-allow`, s3-allow.ts) when one is set.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkS3Access } from './s3-allow.js';
import type { S3Location } from './s3-uri.js';

export interface S3Settings {
  /** Endpoint of an S3-compatible server (MinIO, Ceph, R2, a test server); AWS when absent. */
  endpoint?: string;
}

let settings: S3Settings = {};
let client: S3Client | undefined;

/** Sets the endpoint for every later S3 call of this process (the CLI calls it from its flags). */
export function configureS3(next: S3Settings): void {
  settings = { ...next };
  client?.destroy();
  client = undefined;
}

/** The process's client. The endpoint falls back to AWS's own variables for custom endpoints. */
export function s3Client(): S3Client {
  if (client) return client;
  // clipmill pins its SDK release, so the SDK's notice about later releases needing Node 22 does not apply.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = settings.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  client = new S3Client({
    // Without a region in the environment, start at us-east-1 and follow S3's redirect to the bucket's region.
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    followRegionRedirects: true,
    ...(endpoint
      ? {
          endpoint,
          // Custom servers rarely have DNS for bucket.host names, and many reject the newer
          // default checksum headers: path-style addressing and checksums only where S3 needs them.
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
  });
  return client;
}

export interface ListedObject {
  key: string;
  size: number;
  /** Without the quotes S3 puts around it. */
  etag: string;
}

/** Every object under `prefix`, in S3's order (UTF-8 byte order of the keys), page by page (S3's pages: up to 1000). */
export async function* listObjects(loc: S3Location, pageSize?: number): AsyncGenerator<ListedObject> {
  checkS3Access(loc);
  let token: string | undefined;
  do {
    const page = await s3Client().send(
      new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: loc.key, ContinuationToken: token, MaxKeys: pageSize }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key !== undefined) yield { key: o.Key, size: o.Size ?? 0, etag: unquote(o.ETag) };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

export interface ObjectHead {
  size: number;
  etag: string;
  metadata: Record<string, string>;
}

/** The object's size, ETag and user metadata; undefined when there is no such object. */
export async function headObject(loc: S3Location): Promise<ObjectHead | undefined> {
  checkS3Access(loc);
  try {
    const head = await s3Client().send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
    return { size: head.ContentLength ?? 0, etag: unquote(head.ETag), metadata: head.Metadata ?? {} };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export interface DownloadedObject {
  bytes: number;
  sha256: string;
  etag: string;
  /** Response headers worth keeping as provenance (content-type, last-modified), lower-cased. */
  headers: Record<string, string>;
}

/** Thrown when an object is larger than the caller allows. */
export class ObjectTooLarge extends Error {
  constructor(readonly bytes: number, readonly maxBytes: number) {
    super(`The object is larger than the ${maxBytes}-byte limit (at least ${bytes} bytes).`);
  }
}

/**
 * Downloads one object to `dest` (through `<dest>.<random>.part`, renamed when complete), hashing it on
 * the way. An object over `maxBytes` is refused from its announced size, or cut off when it grows.
 */
export async function downloadObject(loc: S3Location, dest: string, opts: { maxBytes?: number; signal?: AbortSignal } = {}): Promise<DownloadedObject> {
  checkS3Access(loc);
  const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  const res = await s3Client().send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }), { abortSignal: opts.signal });
  const body = res.Body as Readable;
  if ((res.ContentLength ?? 0) > maxBytes) {
    body.destroy();
    throw new ObjectTooLarge(res.ContentLength!, maxBytes);
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(new ObjectTooLarge(bytes, maxBytes));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // A part file of its own: two downloads of one object to one place at once (a follower reading a
  // record twice) would otherwise write into the same file and the second rename find it gone.
  const part = `${dest}.${randomUUID().slice(0, 8)}.part`;
  try {
    await pipeline(body, meter, createWriteStream(part), { signal: opts.signal });
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  await rename(part, dest);
  const headers: Record<string, string> = {};
  if (res.ContentType) headers['content-type'] = res.ContentType;
  if (res.LastModified) headers['last-modified'] = res.LastModified.toUTCString();
  if (res.ETag) headers.etag = res.ETag;
  return { bytes, sha256: hash.digest('hex'), etag: unquote(res.ETag), headers };
}

/** One small object in one PUT (atomic: readers see the old object or the whole new one). */
export async function putObject(loc: S3Location, body: Uint8Array | string, metadata: Record<string, string> = {}): Promise<void> {
  checkS3Access(loc);
  await s3Client().send(new PutObjectCommand({ Bucket: loc.bucket, Key: loc.key, Body: body, Metadata: metadata }));
}

export async function deleteObject(loc: S3Location): Promise<void> {
  checkS3Access(loc);
  await s3Client().send(new DeleteObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
}

export function isNotFound(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  return err.$metadata.httpStatusCode === 404 || err.name === 'NoSuchKey' || err.name === 'NotFound';
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}
