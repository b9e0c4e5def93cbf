/**
 * Inputs in object storage: a manifest object (`s3://bucket/list.csv`, any manifest format), a
 * video object, or a prefix of videos (`s3://bucket/videos/`, listed like a folder: every video
 * object under it, in key order, page by page). A prefix holding a clipmill output (its
 * `.clipmill-output` object) is not read, so a dataset's own clips never come back as sources.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FatalError } from '../errors.js';
import { downloadObject, headObject, listObjects } from '../store/s3.js';
import { OUTPUT_MARKER } from '../store/output.js';
import { canonicalS3Uri, formatS3Uri, parseS3Uri, s3Dirname } from '../store/s3-uri.js';
import type { RowError, Source } from '../types.js';
import { hasVideoExtension } from './extensions.js';
import { manifestFormat, readManifest, type ManifestOptions } from './manifest.js';

export type S3InputPlan = { kind: 's3-manifest' | 's3-video' | 's3-prefix'; uri: string };

/** Classifies an s3:// argument; a named object must exist (a typo fails the run at once). */
export async function planS3Input(arg: string): Promise<S3InputPlan> {
  let uri: string;
  try {
    uri = canonicalS3Uri(arg);
  } catch (err) {
    throw new FatalError(`input ${JSON.stringify(arg)}: ${(err as Error).message}`);
  }
  const { key } = parseS3Uri(uri);
  const isObject = manifestFormat(key) !== undefined || hasVideoExtension(key);
  if (!isObject) return { kind: 's3-prefix', uri: key === '' || key.endsWith('/') ? uri : `${uri}/` };
  const head = await headObject(parseS3Uri(uri)).catch((err: Error) => {
    throw new FatalError(`cannot read input ${uri}: ${err.message}`);
  });
  if (!head) throw new FatalError(`input not found: ${uri}`);
  return { kind: manifestFormat(key) ? 's3-manifest' : 's3-video', uri };
}

/** Reads a manifest object from a local copy (readers need a file), reporting rows under its s3:// name. */
export async function* readS3Manifest(uri: string, opts: ManifestOptions): AsyncGenerator<Source | RowError> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-manifest-'));
  try {
    const local = path.join(dir, path.posix.basename(parseS3Uri(uri).key));
    await downloadObject(parseS3Uri(uri), local).catch((err: Error) => {
      throw new FatalError(`cannot download manifest ${uri}: ${err.message}`);
    });
    yield* readManifest(local, manifestFormat(local)!, { ...opts, location: { input: uri, baseDir: s3Dirname(uri) } });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The s3:// URIs of the video objects under a prefix. S3 lists keys in byte order, and
 * `.clipmill-output` sorts before the `clips/` and `shards/` of its output, so the marker is seen
 * before anything it covers.
 */
export async function* listS3Videos(prefixUri: string): AsyncGenerator<string> {
  const prefix = parseS3Uri(prefixUri);
  const outputs: string[] = [];
  for await (const o of fatalOnError(listObjects(prefix), `cannot list input ${prefixUri}`)) {
    if (path.posix.basename(o.key) === OUTPUT_MARKER) {
      outputs.push(o.key.slice(0, -OUTPUT_MARKER.length));
      continue;
    }
    if (!hasVideoExtension(o.key) || outputs.some((p) => o.key.startsWith(p))) continue;
    yield formatS3Uri({ bucket: prefix.bucket, key: o.key });
  }
}

/** A listing that fails (no such bucket, no access) stops the run with a message, like a missing folder. */
async function* fatalOnError<T>(items: AsyncIterable<T>, what: string): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (err) {
    throw new FatalError(`${what}: ${(err as Error).message}`);
  }
}
