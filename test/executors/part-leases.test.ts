/**
 * Part leases against a real redis-server: a live lease is renewed, a lapsed one never is (its
 * holder hears it lost); and a real writer process frozen (SIGSTOP) mid-commit until its lease
 * lapsed, while the pack's sweep removed its part and committed its sources, gives its part up
 * once it wakes: the folder holds every source once, each tar as its manifest states.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { PartLeases } from '../../src/executors/part-leases.js';
import { sweepPending } from '../../src/pack/part-sweep.js';
import { OutputDir } from '../../src/store/output.js';
import { checkParts } from '../helpers/parts.js';
import { startRedis, until, type TestRedis } from '../helpers/redis.js';
import { outDirMaker } from '../pack/fixture.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/frozen-writer-child.ts');
const outDir = outDirMaker();
const leasesKey = (runId: string): string => `clipmill:run:${runId}:writers`;

/** The state letter of a process (`T`: stopped), from /proc. */
async function processState(pid: number): Promise<string | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

describe('part leases', () => {
  let redis: TestRedis;
  let client: Redis;
  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  after(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('renews a live lease', async () => {
    const mine = new PartLeases(client, 'mine', 600_000);
    try {
      await mine.take('live');
      const first = Number(await client.zscore(leasesKey('live'), 'mine'));
      assert.equal(await mine.renew('live'), true);
      assert.ok(Number(await client.zscore(leasesKey('live'), 'mine')) >= first);
      assert.equal(await mine.renew('never-taken'), false);
    } finally {
      mine.stop();
    }
  });

  it('never renews a lapsed lease, and its holder hears it lost', async () => {
    const lost: string[] = [];
    const mine = new PartLeases(client, 'mine', 300);
    mine.onLost = (runId) => lost.push(runId);
    const pack = new PartLeases(client, 'pack', 300);
    try {
      await mine.take('lapsed');
      mine.stop(); // as if frozen: no renewal any more
      await pack.othersDone('lapsed'); // returns once mine has lapsed
      assert.equal(await mine.renew('lapsed'), false);
      assert.deepEqual(lost, ['lapsed']);
      assert.equal(await client.zscore(leasesKey('lapsed'), 'mine'), null, 'the lapsed lease is not added back');
    } finally {
      pack.stop();
    }
  });

  it('a writer frozen mid-commit past its lease gives its part up when it wakes; the sweep commits its sources once', async () => {
    const out = await outDir();
    const stopped = `${out}.stopped`;
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD, redis.url, out, 'frozen', '3000', stopped], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise((resolve) => child.on('close', resolve));
    try {
      await until(async () => (await fs.stat(stopped).then(() => true, () => false)) && (await processState(child.pid!)) === 'T', 120_000);
      const pack = new PartLeases(client, 'pack', 3000);
      await pack.othersDone('frozen').finally(() => pack.stop()); // the frozen writer's lease lapses
      const swept = await sweepPending(new OutputDir(out), { shardBytes: 1024 ** 3 });
      assert.equal(swept.removedParts.length, 1, 'the frozen writer\'s part: started, no manifest');
      assert.equal(swept.committedSources, 5);

      child.kill('SIGCONT');
      await exited;
      assert.match(stdout, /^abandoned: part \S+ was abandoned before its manifest/m);
      const view = await checkParts(out);
      assert.deepEqual(view.sources, ['src-a', 'src-b', 'src-c', 'src-d', 'src-e']);
      assert.equal(await client.zscore(leasesKey('frozen'), 'frozen-writer'), null);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await fs.rm(stopped, { force: true });
    }
  });
});
