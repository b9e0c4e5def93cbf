/**
 * Reading and editing WebDataset tar shards in place. Listing a tar's members reads only their
 * 512-byte headers (seeking over the bodies), so finding one clip in a shard (the dashboard plays
 * it from there) costs one small read per member. Removing samples (the reduce's verdicts, a
 * takedown) rewrites only the tar holding them (to a temporary name, then renamed); every other
 * file stays byte-identical.
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { tempPathFor } from '../store/output.js';

const BLOCK = 512;

/** The WebDataset key of a member: its path up to the first dot of the file name. */
export function sampleKey(memberName: string): string {
  const slash = memberName.lastIndexOf('/');
  const dot = memberName.indexOf('.', slash + 1);
  return dot === -1 ? memberName : memberName.slice(0, dot);
}

/** A tar numeric field: octal text, or base-256 when the high bit of the first byte is set. */
function numericField(field: Buffer): number {
  if ((field[0]! & 0x80) !== 0) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

const cString = (field: Buffer): string => {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
};

/** The `path` record of a pax extended header, if any. */
function paxPath(data: Buffer): string | undefined {
  let rest = data;
  while (rest.length > 0) {
    const space = rest.indexOf(0x20);
    const length = parseInt(rest.subarray(0, space).toString('latin1'), 10);
    if (space === -1 || !(length > 0)) return undefined;
    const record = rest.subarray(space + 1, length - 1).toString('utf8');
    if (record.startsWith('path=')) return record.slice('path='.length);
    rest = rest.subarray(length);
  }
  return undefined;
}

/** A regular-file member of a tar: its name, and where its bytes lie in the tar file. */
export interface TarMember {
  name: string;
  offset: number;
  size: number;
}

/** The regular-file members of a tar file, read from their headers only. */
export async function tarMembers(file: string): Promise<TarMember[]> {
  const handle = await fs.open(file, 'r');
  try {
    const members: TarMember[] = [];
    const header = Buffer.alloc(BLOCK);
    let offset = 0;
    let longName: string | undefined;
    for (;;) {
      const { bytesRead } = await handle.read(header, 0, BLOCK, offset);
      if (bytesRead < BLOCK || header.every((b) => b === 0)) break;
      const size = numericField(header.subarray(124, 136));
      const type = String.fromCharCode(header[156]!);
      if (type === 'x' || type === 'L') {
        const data = Buffer.alloc(size);
        await handle.read(data, 0, size, offset + BLOCK);
        longName = type === 'x' ? paxPath(data) : cString(data);
      } else if (type === '0' || type === '\0' || type === '7') {
        const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? cString(header.subarray(345, 500)) : '';
        const name = cString(header.subarray(0, 100));
        members.push({ name: longName ?? (prefix ? `${prefix}/${name}` : name), offset: offset + BLOCK, size });
        longName = undefined;
      } else if (type !== 'g') {
        longName = undefined;
      }
      offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    }
    return members;
  } finally {
    await handle.close();
  }
}

/**
 * Rewrites a tar file without the members whose sample key is in `keys`, keeping every other
 * member's header and bytes. A shard left with no member is deleted. Returns members kept.
 */
export async function rewriteTarWithout(file: string, keys: ReadonlySet<string>): Promise<number> {
  const tmp = tempPathFor(file);
  const extract = tar.extract();
  const pack = tar.pack();
  let kept = 0;
  extract.on('entry', (header, body, next) => {
    if (keys.has(sampleKey(header.name))) {
      body.on('end', () => next());
      body.resume();
      return;
    }
    kept++;
    body.pipe(pack.entry(header, (err) => next(err)));
  });
  extract.on('finish', () => pack.finalize());
  extract.on('error', (err) => pack.destroy(err)); // a corrupt shard must not leave the writer waiting
  try {
    await Promise.all([pipeline(createReadStream(file), extract), pipeline(pack, createWriteStream(tmp))]);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  if (kept === 0) {
    await fs.rm(tmp, { force: true });
    await fs.rm(file, { force: true });
  } else {
    await fs.rename(tmp, file);
  }
  return kept;
}
