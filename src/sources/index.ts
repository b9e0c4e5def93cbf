/**
 * Ingest: turns the inputs of `clipmill run` (manifests, directories, URLs, video files) into
 * one stream of sources and row errors, lazily, so that work starts before a large manifest has
 * been read and memory stays flat. Each source id is yielded once across all inputs.
 */
import { stat } from 'node:fs/promises';
import { FatalError } from '../errors.js';
import type { RowError, Source } from '../types.js';
import { walkVideoFiles } from './directory.js';
import { IdSet } from './id-set.js';
import { canonicalUri, isHttpUrl, sourceId, sourceKind } from './ids.js';
import { manifestFormat, readManifest, type ManifestOptions } from './manifest.js';
import { getPreset } from './presets/index.js';
import { isRowError } from './rows.js';
import { isS3Uri } from '../store/s3-uri.js';
import type { S3InputPlan } from './s3-inputs.js';

export { canonicalUri, sourceId, sourceKind } from './ids.js';
export { presetNames } from './presets/index.js';
export { isRowError };

export interface ReadInputsOptions {
  /** Manifest column with the URL or path (auto-detected when absent; URL lists have no columns). */
  urlColumn?: string;
  /** Dataset preset applied to every manifest input. */
  preset?: string;
  /** Manifest column with the licence (auto-detected when absent). */
  licenseColumn?: string;
}

type InputPlan = { kind: 'url' | 'video' | 'directory'; arg: string } | { kind: 'manifest'; arg: string; file: string } | S3InputPlan;

/** Classifies every argument before anything is read, so a typo fails the run at once. */
async function planInputs(inputs: string[]): Promise<InputPlan[]> {
  const plans: InputPlan[] = [];
  for (const arg of inputs) {
    if (isS3Uri(arg)) {
      // Loaded on first use: the S3 SDK is large and most runs never touch a bucket.
      plans.push(await (await import('./s3-inputs.js')).planS3Input(arg));
      continue;
    }
    let file: string;
    try {
      file = canonicalUri(arg);
    } catch (err) {
      throw new FatalError(`input ${JSON.stringify(arg)}: ${(err as Error).message}`);
    }
    if (isHttpUrl(arg)) {
      plans.push({ kind: 'url', arg });
      continue;
    }
    const info = await stat(file).catch(() => undefined);
    if (!info) throw new FatalError(`input not found: ${arg}`);
    if (info.isDirectory()) plans.push({ kind: 'directory', arg: file });
    else if (manifestFormat(file)) plans.push({ kind: 'manifest', arg, file });
    else plans.push({ kind: 'video', arg: file });
  }
  return plans;
}

function singleSource(raw: string, input: string): Source {
  const uri = canonicalUri(raw);
  return { id: sourceId(uri), uri, kind: sourceKind(uri), metadata: {}, origin: { input } };
}

async function* expand(plan: InputPlan, manifestOpts: ManifestOptions): AsyncGenerator<Source | RowError> {
  switch (plan.kind) {
    case 'url':
    case 'video':
      yield singleSource(plan.arg, plan.arg);
      return;
    case 'directory':
      for await (const item of walkVideoFiles(plan.arg)) {
        yield typeof item === 'string' ? singleSource(item, plan.arg) : { input: plan.arg, message: `cannot read folder ${item.folder}: ${item.error.message}` };
      }
      return;
    case 'manifest':
      yield* readManifest(plan.file, manifestFormat(plan.file)!, manifestOpts);
      return;
    case 's3-video':
      yield singleSource(plan.uri, plan.uri);
      return;
    case 's3-prefix': {
      const { listS3Videos } = await import('./s3-inputs.js');
      for await (const uri of listS3Videos(plan.uri)) yield singleSource(uri, plan.uri);
      return;
    }
    case 's3-manifest': {
      const { readS3Manifest } = await import('./s3-inputs.js');
      yield* readS3Manifest(plan.uri, manifestOpts);
    }
  }
}

/**
 * Sources and row errors of all inputs, in argument order. A duplicate source (same id) is
 * skipped; when the duplicate carries its own preset spans, which cannot be merged once its first
 * occurrence has gone on, it is reported as a RowError instead of being dropped silently.
 */
export async function* readInputs(inputs: string[], opts: ReadInputsOptions = {}): AsyncGenerator<Source | RowError> {
  const manifestOpts: ManifestOptions = { urlColumn: opts.urlColumn, licenseColumn: opts.licenseColumn };
  if (opts.preset) manifestOpts.preset = getPreset(opts.preset);
  const seen = new IdSet();
  for (const plan of await planInputs(inputs)) {
    for await (const item of expand(plan, manifestOpts)) {
      if (isRowError(item) || seen.add(item.id)) {
        yield item;
      } else if (item.spans) {
        yield {
          input: item.origin.input,
          line: item.origin.line,
          message: `${item.uri} appeared earlier with other spans; rows of one video must be consecutive to be merged, so these spans were skipped`,
        };
      }
    }
  }
}

