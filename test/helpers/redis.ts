/** A private redis-server on a free loopback port for one test file; stopped (and its data gone) afterwards. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Binds port 0 on 127.0.0.1 to learn a free port, then lets it go. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts redis-server (asking for `password` when given) on a port freePort() found. The port is
 * free only until redis-server binds it: another process can take it in between, and then this
 * one exits at once, or the Redis of another test file answers there. Either way another port is
 * tried, so a test never runs against a Redis that is not its own.
 */
export async function startRedis(opts: { password?: string } = {}): Promise<TestRedis> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const auth = opts.password ? ['--requirepass', opts.password] : [];
    const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...auth], {
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const stop = async (): Promise<void> => {
      child.kill('SIGTERM');
      await exited;
    };
    if (await answersAsItself(port, child, opts.password)) {
      const userinfo = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
      return { url: `redis://${userinfo}127.0.0.1:${port}`, port, stop };
    }
    await stop();
    if (attempt === 5) throw new Error(`redis-server found no free port in ${attempt} tries`);
  }
}

/** Waits until a Redis answers on `port`; whether it is `child` (by INFO's process_id). False when `child` exited. */
async function answersAsItself(port: number, child: ChildProcess, password?: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return false;
    const client = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      return Number(/^process_id:(\d+)/m.exec(await client.info('server'))?.[1]) === child.pid;
    } catch {
      // not listening yet, or another test's Redis that wants another password
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not answer');
}

/** Polls `check` until it holds; throws after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs = 20_000, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
