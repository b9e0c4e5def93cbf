/**
 * Publishes a staging folder to an s3:// output, as `clipmill run --out s3://` does after pack:
 * node --import tsx s3-publish-child.ts <endpoint> <staging> <s3 uri> [pause]. With `pause`, it
 * prints "part" after the first uploaded part of a multipart upload and then waits forever (for
 * the test to kill it mid-upload).
 */
import { configureS3 } from '../../src/store/s3.js';
import { S3Output } from '../../src/store/s3-output.js';

const [endpoint, staging, uri, mode] = process.argv.slice(2);
configureS3({ endpoint });
const out = new S3Output(uri!, staging!, {
  partSize: 5 * 1024 * 1024,
  onPart: () => {
    if (mode !== 'pause') return;
    process.stdout.write('part\n');
    return new Promise<void>(() => {});
  },
});
const result = await out.publishDataset();
process.stdout.write(`${JSON.stringify(result)}\n`);
