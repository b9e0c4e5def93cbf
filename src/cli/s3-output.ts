/** `clipmill run --out s3://...`: the staging folder is prepared from the bucket, then published to it. */
import { FatalError } from '../errors.js';
import { defaultStaging, S3Output } from '../store/s3-output.js';
export { s3RemoteOutput as remoteOutput } from '../store/s3-queue.js';
import { OutputDir } from '../store/output.js';
import { canonicalPrefixUri } from '../store/s3-uri.js';
import type { RunProgress } from './progress.js';

/** Opens the output and pulls what an earlier run published, so finished sources are skipped. */
export async function openS3Output(uri: string, staging: string | undefined, progress: RunProgress): Promise<S3Output> {
  let out: S3Output;
  try {
    const canonical = canonicalPrefixUri(uri);
    out = new S3Output(canonical, staging ?? defaultStaging(canonical));
  } catch (err) {
    throw new FatalError(`--out ${uri}: ${(err as Error).message}`);
  }
  // The staging folder is an output folder of its own: marked (or checked) before anything is pulled into it.
  await new OutputDir(out.staging).prepare();
  const pulled = await out.pull().catch((err: Error) => {
    throw new FatalError(`cannot read the output ${uri}: ${err.message}`);
  });
  progress.log(`staging ${uri} in ${out.staging}${pulled > 0 ? ` (${pulled} files of earlier runs fetched from the bucket)` : ''}`);
  return out;
}

/** Publishes the packed dataset; reports what could not be published as each source finished. */
export async function publishS3Output(out: S3Output, progress: RunProgress): Promise<void> {
  for (const failure of out.lateFailures) progress.log(`note: publishing source ${failure}; retried in the final sync`);
  progress.log(`publishing to ${out.uri}`);
  const { uploaded, deleted } = await out.publishDataset();
  progress.log(`published ${uploaded} files to ${out.uri}${deleted > 0 ? `, removed ${deleted} stale ones` : ''}`);
}
