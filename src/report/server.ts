/**
 * `clipmill serve`: a read-only web dashboard over a dataset folder, finished or still being
 * written. node:http only. JSON under /api, clip pictures made on demand, clip files played with
 * Range support; nothing outside the dataset folder is ever served, and nothing is written.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { redactUrl } from '../executors/redis-check.js';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { queueStatus, runIdFor, type QueueStatus } from '../executors/bullmq.js';
import type { SourceRecord } from '../types.js';
import { admit } from './access.js';
import { DatasetReader, type ClipView, type DatasetSnapshot } from './dataset.js';
import { sendSpan } from './media-response.js';
import { clipBytes } from './clip-bytes.js';
import { overviewOf } from './overview.js';
import { ASSETS, dashboardPage } from './page.js';
import { clipPicture, PictureCache } from './pictures.js';
import type { Targets } from './targets.js';

/**
 * A snapshot is reused for at least this long, so many open pages do not each reread the folder;
 * and for at least twice as long as the last read took, so a large dataset is not reread nonstop.
 */
const SNAPSHOT_TTL_MS = 1000;
const MAX_PAGE = 500;

export interface DashboardOptions {
  dir: string;
  host: string;
  port: number;
  /** Required on every request when set (non-loopback binds). */
  token?: string;
  /** Redis URL of a queued run, for queue depth and workers. */
  queueUrl?: string;
  /** Content-mix targets per category (shares of kept hours). */
  targets?: Targets;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

/**
 * The latest snapshot of the folder, reread at most once per TTL; `since` (a Date.now()) asks for
 * one whose read began no earlier, for a request that found a clip's file gone from where an older
 * snapshot had it (a run in progress moves staged clips into shards).
 */
function snapshots(root: string): (since?: number) => Promise<DatasetSnapshot> {
  const reader = new DatasetReader(root);
  let current: { at: number; ttl: number; snapshot: Promise<DatasetSnapshot> } | undefined;
  return (since = 0) => {
    if (!current || Date.now() - current.at > current.ttl || current.at < since) {
      const started = Date.now();
      const next = { at: started, ttl: Infinity, snapshot: reader.snapshot() };
      next.snapshot.then(
        () => (next.ttl = Math.max(SNAPSHOT_TTL_MS, 2 * (Date.now() - started))),
        () => (next.ttl = 0),
      );
      current = next;
    }
    return current.snapshot;
  };
}

async function queueOf(queueUrl: string | undefined, root: string): Promise<QueueStatus | { error: string } | undefined> {
  if (!queueUrl) return undefined;
  return queueStatus(queueUrl, runIdFor(root)).catch(async (err: Error) => {
    // The folder may hold no queued run (yet): the queue's depth and workers still help.
    const all = await queueStatus(queueUrl).catch(() => undefined);
    return all ?? { error: `queue ${redactUrl(queueUrl)}: ${redactUrl(err.message)}` };
  });
}

/** Clips matching the grid's filters, one page of them. */
function clipPage(clips: readonly ClipView[], q: URLSearchParams): { total: number; clips: ClipView[] } {
  const status = q.get('status');
  const filter = q.get('filter');
  const category = q.get('category');
  const source = q.get('source');
  const matching = clips.filter(
    (c) => (!status || c.status === status) && (!filter || c.filter === filter) && (!category || c.category === category) && (!source || c.sourceId === source),
  );
  const offset = Math.max(0, Number(q.get('offset')) || 0);
  const limit = Math.min(MAX_PAGE, Math.max(1, Number(q.get('limit')) || 48));
  return { total: matching.length, clips: matching.slice(offset, offset + limit) };
}

const sendJson = (res: http.ServerResponse, value: unknown): void => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(value));
};
const decodedOrUndefined = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined; // malformed %-escapes name nothing
  }
};
const notFound = (res: http.ServerResponse): void => void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const root = path.resolve(opts.dir);
  const snapshot = snapshots(root);
  const pictures = new PictureCache();
  // Every open page asks for the overview (and the queue's state); both are worked out once per snapshot.
  const overviews = new WeakMap<DatasetSnapshot, Promise<unknown>>();
  const overviewFor = (s: DatasetSnapshot): Promise<unknown> => {
    let o = overviews.get(s);
    if (!o) overviews.set(s, (o = queueOf(opts.queueUrl, root).then((queue) => ({ ...overviewOf(s, opts.targets), queue }))));
    return o;
  };
  const findClip = async (id: string, since?: number): Promise<{ clip: ClipView; source: SourceRecord } | undefined> => {
    const s = await snapshot(since);
    const clip = s.clipById.get(id);
    const source = clip && s.recordById.get(clip.sourceId);
    return source && { clip: clip!, source };
  };
  /** `use` on the clip as the snapshot has it; when that gives nothing, once more on a snapshot read since the request came. */
  const withClip = async <T>(id: string, use: (found: { clip: ClipView; source: SourceRecord }) => Promise<T | undefined>): Promise<T | undefined> => {
    const asked = Date.now();
    const found = await findClip(id);
    const result = found && (await use(found));
    if (result !== undefined) return result;
    const again = await findClip(id, asked);
    return again && use(again);
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (!admit(req, res, url, opts.token)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const [, kind, rest = ''] = /^\/([^/]*)\/?(.*)$/.exec(url.pathname) ?? [];
    const name = decodedOrUndefined(rest);
    if (name === undefined) return notFound(res);
    switch (kind) {
      case '':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(dashboardPage(root));
        return;
      case 'assets': {
        const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
        if (!asset) return notFound(res);
        res.writeHead(200, { 'content-type': asset.type }).end(await readFile(asset.file));
        return;
      }
      case 'api':
        return api(name, url.searchParams, res);
      case 'picture': {
        const jpeg = await withClip(name.replace(/\.jpg$/, ''), async ({ clip, source }) =>
          source.status === 'done' ? pictures.get(clip.id, () => clipPicture(root, clip, source)) : undefined);
        if (!jpeg) return notFound(res);
        res.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'max-age=60' }).end(jpeg);
        return;
      }
      case 'media': {
        const span = await withClip(name, ({ clip }) => clipBytes(root, clip));
        if (!span) return notFound(res);
        return sendSpan(req, res, span);
      }
      default:
        return notFound(res);
    }
  }

  async function api(name: string, q: URLSearchParams, res: http.ServerResponse): Promise<void> {
    const s = await snapshot();
    const [what, id] = name.split('/', 2);
    if (what === 'overview') return sendJson(res, await overviewFor(s));
    if (what === 'clips') return sendJson(res, clipPage(s.clips, q));
    if (what === 'clip' && id) {
      const found = await findClip(id);
      return found ? sendJson(res, found) : notFound(res);
    }
    if (what === 'source' && id) {
      const record = s.recordById.get(id);
      return record ? sendJson(res, { record, clips: s.clips.filter((c) => c.sourceId === id) }) : notFound(res);
    }
    notFound(res);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`error: ${err.message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
