// A loopback S3-protocol server (s3rver) for tests, run as its own process: node
// --openssl-legacy-provider s3rver-main.mjs <data dir> <bucket>... (s3rver's list continuation
// tokens use DES, which OpenSSL 3 only offers through the legacy provider). Prints {"port":N}.
import S3rver from 's3rver';

const [directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
