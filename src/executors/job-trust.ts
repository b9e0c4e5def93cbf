/**
 * What a worker accepts from Redis. Anyone who can write to the queue's Redis can add jobs and
 * change a run's settings, so a worker takes nothing on trust:
 *  - job data must match a schema, and a source's id and kind must be what the worker itself
 *    derives from its URI (an id is a file name under the output: "../../x" is refused);
 *  - a run's settings (output directory and config) carry an HMAC made with the shared secret
 *    CLIPMILL_QUEUE_SECRET, so a writer without the secret cannot forge or alter a run;
 *  - the output directory must lie under the worker's own --out-root, after resolving links; an
 *    s3:// output must lie under one of the worker's --s3-allow prefixes, and is staged in a
 *    folder the worker chooses (one per output URI under its staging root);
 *  - nothing executable and no file to read comes from Redis: the yt-dlp program and the
 *    opt-out lists are the worker's own options, whatever the run's config says.
 * A job that fails these checks fails at once, without retries (UnrecoverableError).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { CaptionConfig, RunConfig } from '../config/schema.js';
import { FatalError } from '../errors.js';
import { canonicalUri, sourceId, sourceKind } from '../sources/ids.js';
import { fieldsProblem } from '../sources/limits.js';
import type { Source } from '../types.js';
import type { S3AllowList } from '../store/s3-allow.js';
import { defaultStaging } from '../store/s3-layout.js';
import { canonicalPrefixUri, isS3Uri, parseS3Uri } from '../store/s3-uri.js';

export const SECRET_ENV = 'CLIPMILL_QUEUE_SECRET';
const MIN_SECRET_LENGTH = 16;

const RunId = z.string().regex(/^[0-9a-f]{12}$/);

const SpanSchema = z.object({
  start: z.number().finite(),
  end: z.number().finite(),
  datasetClipId: z.string().max(1024).optional(),
  caption: z.string().max(64 * 1024).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const SourceSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  uri: z.string().min(1).max(16 * 1024),
  kind: z.enum(['http', 'file', 'ytdlp', 's3']),
  metadata: z.record(z.string(), z.unknown()),
  origin: z.object({ input: z.string().max(16 * 1024), line: z.number().int().nonnegative().optional() }),
  license: z.string().max(1024).optional(),
  spans: z.array(SpanSchema).max(100_000).optional(),
});

const SourceJobSchema = z.object({ runId: RunId, source: SourceSchema });
const PackJobSchema = z.object({ runId: RunId });

function untrusted(what: string): UnrecoverableError {
  return new UnrecoverableError(`refused untrusted job: ${what}`);
}

/** A source job's data, checked: the id and kind are recomputed from the URI and must agree. */
export function checkedSourceJob(data: unknown): { runId: string; source: Source } {
  const parsed = SourceJobSchema.safeParse(data);
  if (!parsed.success) throw untrusted(`malformed source job (${parsed.error.issues[0]?.message ?? 'schema'})`);
  const { runId, source } = parsed.data;
  let canonical: string;
  try {
    canonical = canonicalUri(source.uri);
  } catch (err) {
    throw untrusted(`bad URI (${(err as Error).message})`);
  }
  if (canonical !== source.uri) throw untrusted(`URI ${source.uri} is not in canonical form`);
  if (sourceId(canonical) !== source.id) throw untrusted(`source id ${source.id} is not the id of ${source.uri}`);
  const kinds = [sourceKind(canonical), sourceKind(canonical, { webPages: true })];
  if (!kinds.includes(source.kind)) throw untrusted(`kind ${source.kind} does not fit ${source.uri}`);
  const problem = fieldsProblem(source.metadata);
  if (problem) throw untrusted(`metadata: ${problem}`);
  return { runId, source: source as Source };
}

export function checkedPackJob(data: unknown): { runId: string } {
  const parsed = PackJobSchema.safeParse(data);
  if (!parsed.success) throw untrusted('malformed pack job');
  return parsed.data;
}

/** The shared secret from the environment; a FatalError when it is missing or too short. */
export function queueSecret(): string {
  const secret = process.env[SECRET_ENV] ?? '';
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new FatalError(
      `Set ${SECRET_ENV} to the same secret (at least ${MIN_SECRET_LENGTH} characters) for \`clipmill run --queue\` and every worker: ` +
        'workers only accept runs signed with it (e.g. export CLIPMILL_QUEUE_SECRET=$(openssl rand -hex 32)).',
    );
  }
  return secret;
}

/** The HMAC of a run's settings, stored next to them in Redis. */
/** HMAC (hex) of a value with the queue secret: for recheck jobs and their answers. */
export function signValue(value: unknown, secret = queueSecret()): string {
  return createHmac('sha256', secret).update(JSON.stringify(value)).digest('hex');
}

/** Whether `sig` is the HMAC of `value` with the secret (compared in constant time). */
export function verifySignature(value: unknown, sig: unknown, secret = queueSecret()): boolean {
  const expected = Buffer.from(signValue(value, secret), 'hex');
  const given = Buffer.from(typeof sig === 'string' ? sig : '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function signRun(runId: string, outDir: string, cfgJson: string, secret = queueSecret()): string {
  return createHmac('sha256', secret).update(JSON.stringify([runId, outDir, cfgJson])).digest('hex');
}

/** What the worker itself decides, whatever a run's settings say. */
export interface WorkerSettings {
  /** Runs may write only below this folder (a real path). */
  outRoot: string;
  /** The yt-dlp executable (`clipmill worker --yt-dlp`). */
  ytDlpPath: string;
  /** Opt-out list files (`clipmill worker --opt-out`). */
  optOutList: string[];
  /** The ONNX encoder for embeddings (`clipmill worker --embed-model`); none by default. */
  embedModel?: string;
  /** Runs with an s3:// output may publish only under these (`clipmill worker --s3-allow`); none when absent. */
  s3Allow?: S3AllowList;
  /** Where the staging folders of s3:// outputs go (`clipmill worker --staging`, default under --out-root). */
  s3StagingRoot?: string;
  secret: string;
}

export async function workerSettings(opts: {
  outRoot: string; ytDlpPath?: string; optOutList?: string[]; embedModel?: string; s3Allow?: S3AllowList; s3StagingRoot?: string;
}): Promise<WorkerSettings> {
  const outRoot = await realpath(opts.outRoot).catch(() => {
    throw new FatalError(`--out-root ${opts.outRoot}: no such folder`);
  });
  return {
    outRoot, ytDlpPath: opts.ytDlpPath ?? 'yt-dlp', optOutList: opts.optOutList ?? [],
    embedModel: opts.embedModel === undefined ? undefined : path.resolve(opts.embedModel), s3Allow: opts.s3Allow,
    s3StagingRoot: opts.s3StagingRoot === undefined ? undefined : path.resolve(opts.s3StagingRoot), secret: queueSecret(),
  };
}

/**
 * A run's settings as the worker will use them: the signature checked, the output directory
 * resolved and confined to --out-root (an s3:// output: to --s3-allow, with the folder the worker
 * stages it in), the config parsed with the worker's own programs and files.
 */
export async function trustedRun(
  runId: string,
  meta: { outDir: string; cfg: string; sig?: string },
  settings: WorkerSettings,
): Promise<{ outDir: string; cfg: RunConfig; publishTo?: string }> {
  const expected = Buffer.from(signRun(runId, meta.outDir, meta.cfg, settings.secret), 'hex');
  const given = Buffer.from(meta.sig ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw untrusted(`run ${runId} is not signed with this worker's ${SECRET_ENV}`);
  }
  const { outDir, publishTo } = isS3Uri(meta.outDir) ? s3Output(runId, meta.outDir, settings) : { outDir: await localOutput(runId, meta.outDir, settings) };
  let cfg: RunConfig;
  try {
    cfg = RunConfig.parse(JSON.parse(meta.cfg));
  } catch {
    throw untrusted(`run ${runId} has an invalid config`);
  }
  // Programs, files and secrets are this worker's own, whatever the run says: the yt-dlp executable,
  // opt-out lists, the embedding model, and the environment variable holding the caption API key.
  cfg.fetch.ytDlpPath = settings.ytDlpPath;
  cfg.policy.optOutList = settings.optOutList;
  cfg.embed.model = settings.embedModel;
  cfg.caption.apiKeyEnv = CaptionConfig.parse({}).apiKeyEnv;
  return { outDir, cfg, publishTo };
}

async function localOutput(runId: string, outDir: string, settings: WorkerSettings): Promise<string> {
  const real = await realpath(outDir).catch(() => path.resolve(outDir));
  if (!real.startsWith(settings.outRoot.endsWith(path.sep) ? settings.outRoot : settings.outRoot + path.sep)) {
    throw untrusted(`run ${runId} writes to ${outDir}, outside this worker's --out-root ${settings.outRoot}`);
  }
  return real;
}

function s3Output(runId: string, uri: string, settings: WorkerSettings): { outDir: string; publishTo: string } {
  let canonical: string;
  try {
    canonical = canonicalPrefixUri(uri);
  } catch (err) {
    throw untrusted(`run ${runId} has a bad output (${(err as Error).message})`);
  }
  if (canonical !== uri) throw untrusted(`run ${runId} writes to ${uri}, which is not in canonical form`);
  if (!settings.s3Allow?.allows(parseS3Uri(uri))) {
    throw untrusted(`run ${runId} writes to ${uri}, outside this worker's --s3-allow`);
  }
  return { outDir: defaultStaging(uri, settings.s3StagingRoot ?? path.join(settings.outRoot, '.clipmill-s3-staging')), publishTo: uri };
}
