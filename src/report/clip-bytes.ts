/**
 * Where a kept clip's bytes are, for the dashboard to play it and picture it: its staged file
 * (`clips/<source>/<clip>`) until its part is committed, then its member in the part's tar (clips
 * are not stored twice). Paths go through fileInside, so nothing outside the dataset is read.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memberKey } from '../pack/shards.js';
import { sampleKey, tarMembers } from '../policy/shard-edit.js';
import type { ClipView } from './dataset.js';
import { fileInside } from './files.js';

/** `size` bytes of `file` from `start`; `name` gives the media type by its extension. */
export interface ByteSpan {
  file: string;
  start: number;
  size: number;
  name: string;
}

/** Members of a sample that are not its clip file. */
const NOT_THE_CLIP = /\.(json|txt|jpg)$/;

/** A file removed between finding it and reading it gives `value`; other errors stand. */
const ifGone = <T>(value: T) => (err: NodeJS.ErrnoException): T => {
  if (err.code === 'ENOENT') return value;
  throw err;
};

/** Undefined when the clip is not (or no longer) where `clip` says: a run may be moving it into a shard. */
export async function clipBytes(root: string, clip: ClipView): Promise<ByteSpan | undefined> {
  const staged = clip.file ? await fileInside(root, clip.file) : undefined;
  const stagedSize = staged ? await fs.stat(staged).then((s) => s.size, ifGone(undefined)) : undefined;
  if (staged && stagedSize !== undefined) return { file: staged, start: 0, size: stagedSize, name: staged };
  const tar = clip.shard ? await fileInside(root, clip.shard) : undefined;
  if (!tar) return undefined;
  const key = memberKey(clip.id);
  const members = await tarMembers(tar).catch(ifGone([]));
  const member = members.find((m) => sampleKey(m.name) === key && !NOT_THE_CLIP.test(m.name));
  return member && { file: tar, start: member.offset, size: member.size, name: member.name };
}

/** Runs `use` on the clip as a file of its own (its member copied out of the tar when it is in one). */
export async function withClipFile<T>(span: ByteSpan, use: (file: string) => Promise<T>): Promise<T> {
  if (span.start === 0 && span.file === span.name) return use(span.file);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clipmill-clip-'));
  try {
    const file = path.join(dir, path.basename(span.name));
    const handle = await fs.open(span.file, 'r');
    try {
      const bytes = Buffer.alloc(span.size);
      await handle.read(bytes, 0, span.size, span.start);
      await fs.writeFile(file, bytes);
    } finally {
      await handle.close();
    }
    return await use(file);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
