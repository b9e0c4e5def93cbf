/**
 * A writer to the queue's Redis without CLIPMILL_QUEUE_SECRET cannot make a worker run a program,
 * write outside its --out-root or delete anything: forged runs, path-like source ids, ids that do
 * not match their URI and outputs outside the root are refused, and programs and files named by a
 * run's config are replaced by the worker's own.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { RunConfig } from '../../src/config/schema.js';
import { runIdFor } from '../../src/executors/bullmq.js';
import { signRun } from '../../src/executors/job-trust.js';
import { redisOptions, runKey, SOURCES_QUEUE } from '../../src/executors/redis.js';
import { canonicalUri, sourceId } from '../../src/sources/ids.js';
import { OUTPUT_MARKER } from '../../src/store/output.js';
import { recordRelPath } from '../../src/store/record-store.js';
import { startCli } from '../helpers/cli.js';
import { tempDir, type TempDir } from '../helpers/media.js';
import { startRedis, until, type TestRedis } from '../helpers/redis.js';

const SECRET = 'queue-test-shared-secret-0123456789';
const exists = (file: string) => access(file).then(() => true, () => false);

describe('a worker and an untrusted Redis', () => {
  let redis: TestRedis;
  let dir: TempDir;
  let worker: ChildProcess;
  let queue: Queue;
  let client: Redis;
  let workerLog = '';
  const root = () => dir.file('root');
  const pwned = () => dir.file('pwned');

  before(async () => {
    redis = await startRedis();
    dir = await tempDir();
    await mkdir(root());
    await mkdir(dir.file('victim'));
    await writeFile(dir.file('victim/keep.txt'), 'precious');
    await writeFile(dir.file('evil.sh'), `#!/bin/sh\ntouch ${pwned()}\nexit 1\n`, { mode: 0o755 });
    client = new Redis(redis.url);
    queue = new Queue(SOURCES_QUEUE, { connection: redisOptions(redis.url) });
    const started = startCli(['worker', '--queue', redis.url, '--out-root', root(), '--concurrency', '1', '--lock-sec', '2'], { CLIPMILL_QUEUE_SECRET: SECRET });
    worker = started.child;
    worker.stderr!.on('data', (b: Buffer) => (workerLog += b.toString()));
    await until(async () => workerLog.includes('worker ready'), 60_000, 50);
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await queue?.close();
    client?.disconnect();
    await redis?.stop();
    await dir?.remove();
  });

  /** Writes a run's settings straight into Redis, as an attacker (sig absent) or the enqueuer (signed) would. */
  async function putRun(outDir: string, cfg: object, signed: boolean): Promise<string> {
    await mkdir(outDir, { recursive: true });
    await writeFile(path.join(outDir, OUTPUT_MARKER), '');
    const runId = runIdFor(outDir);
    const cfgJson = JSON.stringify(RunConfig.parse(cfg));
    const fields: Record<string, string> = { outDir, cfg: cfgJson, state: 'queued', enqueuedAt: new Date().toISOString() };
    if (signed) fields.sig = signRun(runId, outDir, cfgJson, SECRET);
    await client.hset(runKey(runId), fields);
    return runId;
  }

  async function settle(jobId: string, data: unknown): Promise<{ state: string; reason?: string }> {
    await queue.add('source', data, { jobId });
    let state = '';
    await until(async () => ['completed', 'failed'].includes((state = await (await queue.getJob(jobId))!.getState())), 60_000, 50);
    return { state, reason: (await queue.getJob(jobId))!.failedReason };
  }

  const source = (uri: string, id = sourceId(canonicalUri(uri))) => ({
    id, uri: canonicalUri(uri), kind: 'ytdlp', metadata: {}, origin: { input: 'forged' },
  });
  const evilCfg = () => ({ fetch: { ytDlpPath: dir.file('evil.sh'), retries: 0 } });

  it('refuses a run that is not signed with the secret, running nothing', async () => {
    const runId = await putRun(path.join(root(), 'forged'), evilCfg(), false);
    const res = await settle(`${runId}.a`, { runId, source: source('https://www.youtube.com/watch?v=aaaaaaaaaaa') });
    assert.equal(res.state, 'failed');
    assert.match(res.reason ?? '', /not signed with this worker's CLIPMILL_QUEUE_SECRET/);
    assert.equal(await exists(pwned()), false, 'the program named by the forged config never ran');
  });

  it('uses its own yt-dlp even when a signed run names another program', async () => {
    const outDir = path.join(root(), 'signed');
    const runId = await putRun(outDir, evilCfg(), true);
    const s = source('https://www.youtube.com/watch?v=bbbbbbbbbbb');
    const res = await settle(`${runId}.${s.id}`, { runId, source: s });
    assert.equal(res.state, 'completed', res.reason);
    assert.equal(await exists(pwned()), false, 'the configured program never ran');
    assert.ok(await exists(path.join(outDir, recordRelPath(s.id))), 'the source has its record');
  });

  it('refuses path-like ids and ids that are not the id of their URI', async () => {
    const runId = await putRun(path.join(root(), 'ids'), {}, true);
    const traversal = await settle(`${runId}.b`, { runId, source: source('https://www.youtube.com/watch?v=ccccccccccc', '../../victim') });
    assert.equal(traversal.state, 'failed');
    assert.match(traversal.reason ?? '', /refused untrusted job: malformed source job/);
    const mismatch = await settle(`${runId}.c`, { runId, source: source('https://www.youtube.com/watch?v=ddddddddddd', '0123456789abcdef') });
    assert.match(mismatch.reason ?? '', /is not the id of/);
    assert.equal(await exists(dir.file('victim/keep.txt')), true, 'nothing outside the output was deleted');
  });

  it('refuses a signed run whose output lies outside --out-root', async () => {
    const outside = dir.file('outside');
    const runId = await putRun(outside, {}, true);
    const res = await settle(`${runId}.d`, { runId, source: source('https://www.youtube.com/watch?v=eeeeeeeeeee') });
    assert.equal(res.state, 'failed');
    assert.match(res.reason ?? '', /outside this worker's --out-root/);
    assert.deepEqual((await readdir(outside)).sort(), [OUTPUT_MARKER], 'nothing was written there');
  });

  it('a worker without the secret does not start', async () => {
    const res = await startCli(['worker', '--queue', redis.url, '--out-root', root()], { CLIPMILL_QUEUE_SECRET: '' }).done;
    assert.equal(res.code, 2);
    assert.match(res.stderr, /Set CLIPMILL_QUEUE_SECRET/);
  });
});
