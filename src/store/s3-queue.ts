/**
 * The coordinator side of `clipmill run --queue --out s3://`: the workers publish to the prefix,
 * this process reads each finished source's record from it for the progress lines, and once every
 * source job is done pulls what the reduce needs into its staging folder and packs there; the CLI
 * then publishes the dataset (s3-output.ts publishDataset).
 */
import type { RemoteOutput } from '../executors/bullmq.js';
import { packRun } from '../pipeline/pack-step.js';
import type { S3Output } from './s3-output.js';

export function s3RemoteOutput(out: S3Output): RemoteOutput {
  const startedAt = new Date().toISOString();
  return {
    uri: out.uri,
    readRecord: (sourceId) => out.fetchRecord(sourceId),
    async reduce(run) {
      const pulled = await out.pull({ refresh: true });
      run.progress.log(`fetched ${pulled} files the workers published to ${out.uri}; packing shards, index and stats`);
      return packRun(run.outDir, run.cfg, { startedAt, finishedAt: new Date().toISOString() });
    },
  };
}
