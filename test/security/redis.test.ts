/**
 * Queue connections fail fast and clearly: an unreachable Redis, a missing or wrong password are
 * exit 2 with a sentence (never a hang or a stack trace), Ctrl-C while connecting stops at once,
 * and no message repeats the password.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startCli, type CliResult } from '../helpers/cli.js';
import { lavfiVideo, tempDir, type TempDir } from '../helpers/media.js';
import { freePort, startRedis, until, type TestRedis } from '../helpers/redis.js';

const PASSWORD = 'right-horse-battery-staple';
const WRONG = 'wrong-secret-123';
/** Queued runs are signed with a shared secret (see job-trust.ts). */
const QUEUE_ENV = { CLIPMILL_QUEUE_SECRET: 'redis-test-shared-secret' };

/** The CLI, killed if it is still running after `ms` (a hang fails the test instead of stalling it). */
async function runBounded(args: string[], ms = 60_000): Promise<CliResult> {
  const { child, done } = startCli(args, QUEUE_ENV);
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

describe('queue connection failures', () => {
  let dir: TempDir;
  let redis: TestRedis;
  let port: number;
  let silent: net.Server;
  let silentPort: number;
  const held: net.Socket[] = [];

  before(async () => {
    dir = await tempDir();
    await lavfiVideo(dir.file('v.mp4'), 'testsrc2=s=160x90:r=25', 1);
    redis = await startRedis({ password: PASSWORD });
    port = redis.port;
    // Accepts connections and never answers: a Redis that hangs.
    silent = net.createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as net.AddressInfo).port;
  });
  after(async () => {
    await redis?.stop();
    for (const s of held) s.destroy();
    silent?.close();
    await dir?.remove();
  });

  const expectFatal = (res: CliResult, pattern: RegExp) => {
    assert.equal(res.code, 2, `exit 2, got ${res.code} ${res.signal ?? ''}: ${res.stderr}`);
    assert.match(res.stderr, pattern);
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
  };

  it('an unreachable Redis is exit 2 for run --queue, status --queue and worker', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    expectFatal(await runBounded(['run', dir.file('v.mp4'), '--out', dir.file('o1'), '--queue', closed]), /Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/);
    expectFatal(await runBounded(['status', dir.path, '--queue', closed]), /Cannot reach Redis/);
    expectFatal(await runBounded(['worker', '--queue', closed, '--out-root', dir.path]), /Cannot reach Redis/);
  });

  it('a missing password is exit 2 saying where to put it', async () => {
    expectFatal(await runBounded(['status', dir.path, '--queue', `redis://127.0.0.1:${port}`]), /asks for a password/);
  });

  it('a wrong password is exit 2, and no message repeats it', async () => {
    const url = `redis://:${WRONG}@127.0.0.1:${port}`;
    for (const args of [['status', dir.path, '--queue', url], ['run', dir.file('v.mp4'), '--out', dir.file('o2'), '--queue', url], ['cancel', dir.path, '--queue', url]]) {
      const res = await runBounded(args);
      expectFatal(res, /refused the user name or password/);
      assert.ok(!res.stderr.includes(WRONG) && !res.stdout.includes(WRONG), `${args[0]}: the password is not printed: ${res.stderr}`);
    }
  });

  it('Ctrl-C while connecting to a Redis that does not answer stops at once', async () => {
    const { child, done } = startCli(['run', dir.file('v.mp4'), '--out', dir.file('o3'), '--queue', `redis://:${PASSWORD}@127.0.0.1:${silentPort}`], QUEUE_ENV);
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    await until(async () => stderr.includes('connecting to the queue'), 60_000, 50);
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const res = await done;
    clearTimeout(killer);
    assert.equal(res.code, 130, `exit 130 after one Ctrl-C, got ${res.code} ${res.signal ?? ''}: ${res.stderr}`);
    assert.ok(!res.stderr.includes(PASSWORD), 'the password is not printed');
  });
});
