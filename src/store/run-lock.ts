/**
 * One local run per output directory at a time: two runs on one `--out` would redo each other's
 * sources and delete each other's shards. The lock is a file holding the pid and host of its run,
 * written whole under a name of its own and then hard-linked to the lock's name (which fails when
 * the lock exists), so no one ever reads a lock half written. A lock left by a run that died (same
 * host, pid gone) is taken over by one run only: the one that first claims it (a claim file named
 * after the dead lock's content, made the same way), which then removes it and takes the lock.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FatalError } from '../errors.js';

export const LOCK_FILE = '.clipmill-lock';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface RunLock {
  release(): Promise<void>;
}

/** Takes the lock of `outDir`; a FatalError naming the owner when another live run holds it. */
export async function lockOutput(outDir: string): Promise<RunLock> {
  const file = path.join(outDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      await createWhole(file, JSON.stringify(me) + '\n');
      return { release: () => releaseIfMine(file, me) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockError(outDir, file, err);
    }
    const text = await readFile(file, 'utf8').catch(() => undefined);
    const owner = parseOwner(text);
    if (owner && !isStale(owner)) throw busy(outDir, file, owner);
    // A dead run's lock, or an unreadable one: taken over once, by whoever claims it first.
    await takeOver(outDir, file, text ?? '', me);
  }
}

/**
 * Removes the lock `file` while it still reads `text` (a dead run's), holding the claim on that
 * content: two runs that both found it dead never remove each other's new lock. A claim left by a
 * run that died while taking over is cleared, for the next attempt.
 */
async function takeOver(outDir: string, file: string, text: string, me: LockOwner): Promise<void> {
  const claim = `${file}.takeover-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
  try {
    await createWhole(claim, JSON.stringify(me) + '\n');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(outDir, file, err);
    const claimer = await readOwner(claim);
    if (claimer && !isStale(claimer)) throw busy(outDir, file, claimer);
    await rm(claim, { force: true });
    return;
  }
  try {
    if ((await readFile(file, 'utf8').catch(() => undefined)) === text) await rm(file, { force: true });
  } finally {
    await rm(claim, { force: true });
  }
}

/** Creates `file` with `content`, failing with EEXIST when it exists; never visible half written. */
async function createWhole(file: string, content: string): Promise<void> {
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, content, { flag: 'wx' });
  try {
    await link(draft, file);
  } finally {
    await rm(draft, { force: true });
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  return parseOwner(await readFile(file, 'utf8').catch(() => undefined));
}

function parseOwner(text: string | undefined): LockOwner | undefined {
  try {
    const owner = JSON.parse(text ?? '') as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? (owner as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/** A lock of this host whose process is gone. One of another host cannot be checked from here. */
function isStale(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function releaseIfMine(file: string, me: LockOwner): Promise<void> {
  const owner = await readOwner(file);
  if (owner?.pid === me.pid && owner.host === me.host && owner.startedAt === me.startedAt) await rm(file, { force: true });
}

function busy(outDir: string, file: string, owner: LockOwner): FatalError {
  const where = owner.host === os.hostname() ? `process ${owner.pid}` : `process ${owner.pid} on ${owner.host}`;
  return new FatalError(
    `Another clipmill run (${where}, started ${owner.startedAt ?? 'at an unknown time'}) is writing to ${outDir}. ` +
      `Wait for it to finish; if it is gone (e.g. its machine died), remove ${file} and run again.`,
  );
}

function lockError(outDir: string, file: string, err: unknown): FatalError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EEXIST') return new FatalError(`Another clipmill run took the lock of ${outDir} (${file}) at the same moment; run again.`);
  return new FatalError(`Cannot lock the output directory ${outDir}: ${e.message}`);
}

/**
 * Runs `fn` holding the lock of `outDir` (a library pack, a takedown), so it cannot interleave with
 * a run or reduce on the same output. Called inside a run of this process, which holds the lock
 * already, it just runs `fn`: the run's own pack and takedowns do not wait on themselves.
 */
export async function withOutputLock<T>(outDir: string, fn: () => Promise<T>): Promise<T> {
  const owner = await readOwner(path.join(outDir, LOCK_FILE));
  if (owner && owner.pid === process.pid && owner.host === os.hostname()) return fn();
  const lock = await lockOutput(outDir);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
