/**
 * Part ids, unique without coordination between writers on many machines:
 * `<UTC yyyymmddThhmmss>-<8 hex of host, pid and random>-<6-digit sequence of this process>`.
 * They sort by commit time, which is the order the reduce takes parts in.
 */
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';

/** Fixed for the life of this process. */
const WRITER = createHash('sha256').update(`${os.hostname()}\0${process.pid}\0`).update(randomBytes(8)).digest('hex').slice(0, 8);
let sequence = 0;

const utcStamp = (date: Date): string => date.toISOString().replace(/[-:]/g, '').slice(0, 15);

export function newPartId(now = new Date()): string {
  return `${utcStamp(now)}-${WRITER}-${String(sequence++ % 1_000_000).padStart(6, '0')}`;
}
