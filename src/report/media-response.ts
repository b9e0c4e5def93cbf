/**
 * Sends a file, or a span of one (a clip inside a tar shard), with HTTP Range support, so a <video>
 * element can seek and browsers can play clips without reading them whole. Only ever called with
 * a path that fileInside() returned.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { ByteSpan } from './clip-bytes.js';

const TYPES: Record<string, string> = {
  '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.mov': 'video/quicktime', '.webm': 'video/webm', '.mkv': 'video/x-matroska',
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
};

/** The byte range a `Range: bytes=a-b` header asks for, clamped to the file; null when unsatisfiable. */
export function parseRange(header: string, size: number): { start: number; end: number } | null | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined; // not a single byte range: answer with the whole file
  const [, from, to] = match;
  let start: number;
  let end: number;
  if (from === '') {
    if (to === '') return null;
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  return start <= end && start < size ? { start, end } : null;
}

export function sendSpan(req: IncomingMessage, res: ServerResponse, span: ByteSpan): void {
  const { size } = span;
  const type = TYPES[path.extname(span.name).toLowerCase()] ?? 'application/octet-stream';
  const headers = { 'content-type': type, 'accept-ranges': 'bytes', 'cache-control': 'no-cache' };
  const range = req.headers.range ? parseRange(req.headers.range, size) : undefined;
  if (range === null) {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = size === 0 ? 0 : end - start + 1;
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'content-length': String(length),
    ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  createReadStream(span.file, { start: span.start + start, end: span.start + end }).on('error', () => res.destroy()).pipe(res);
}
