import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FatalError } from '../../src/errors.js';
import { loadOptOutList, matchOptOut, parseOptOutList, robotsTagRefusal, userAgentToken } from '../../src/policy/optout.js';
import { canonicalUri, sourceId } from '../../src/sources/ids.js';

/** Path → X-Robots-Tag header lines the loopback server sends with a small body. */
const TAGS: Record<string, string[]> = {
  '/plain.mp4': [],
  '/noai.mp4': ['noai'],
  '/noimageai.mp4': ['noimageai, nofollow'],
  '/upper.mp4': ['NoAI'],
  '/ours.mp4': ['clipmill: noai'],
  '/other.mp4': ['otherbot: noai'],
  '/other-then-ours.mp4': ['otherbot: noai, clipmill: noimageai'],
  '/ours-then-other.mp4': ['clipmill: nofollow, otherbot: noai'],
  '/noindex.mp4': ['noindex'],
  '/none.mp4': ['none'],
  '/nofollow.mp4': ['nofollow, nosnippet'],
  '/unavailable.mp4': ['unavailable_after: 25 Jun 2030 15:00:00 PST'],
  '/two-lines.mp4': ['otherbot: noai', 'noai'],
};

async function withServer(fn: (base: string) => Promise<void>): Promise<void> {
  const server = http.createServer((req, res) => {
    const lines = TAGS[req.url ?? ''];
    if (lines === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (lines.length > 0) res.setHeader('X-Robots-Tag', lines);
    res.setHeader('Content-Type', 'video/mp4');
    res.end(Buffer.alloc(64));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

async function fetchHeaders(url: string): Promise<Headers> {
  const res = await fetch(url);
  await res.arrayBuffer();
  assert.equal(res.status, 200);
  return res.headers;
}

test('X-Robots-Tag from a loopback server: noai refuses, scoped to another agent does not', async () => {
  await withServer(async (base) => {
    const verdict = async (p: string): Promise<string | undefined> => robotsTagRefusal(await fetchHeaders(base + p), 'clipmill');
    assert.equal(await verdict('/plain.mp4'), undefined);
    assert.match((await verdict('/noai.mp4'))!, /X-Robots-Tag "noai" \(directive noai\)/);
    assert.match((await verdict('/noimageai.mp4'))!, /directive noimageai/);
    assert.match((await verdict('/upper.mp4'))!, /directive noai/);
    assert.match((await verdict('/ours.mp4'))!, /clipmill: noai/);
    assert.equal(await verdict('/other.mp4'), undefined);
    assert.match((await verdict('/other-then-ours.mp4'))!, /directive noimageai/);
    assert.equal(await verdict('/ours-then-other.mp4'), undefined);
    assert.match((await verdict('/noindex.mp4'))!, /directive noindex/);
    assert.match((await verdict('/none.mp4'))!, /directive none/);
    assert.equal(await verdict('/nofollow.mp4'), undefined);
    assert.equal(await verdict('/unavailable.mp4'), undefined);
    // Only noai/noimageai when the run narrows the directives.
    assert.equal(robotsTagRefusal(await fetchHeaders(`${base}/noindex.mp4`), 'clipmill', ['noai', 'noimageai']), undefined);
    // The same file seen by another crawler is refused by the scoped directive.
    assert.ok(robotsTagRefusal(await fetchHeaders(`${base}/other.mp4`), 'OtherBot'));
  });
});

test('separate header lines stay separate when given as arrays (node:http headersDistinct)', async () => {
  await withServer(async (base) => {
    const distinct = await new Promise<Record<string, string[] | undefined>>((resolve, reject) => {
      http.get(`${base}/two-lines.mp4`, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headersDistinct));
      }).on('error', reject);
    });
    assert.deepEqual(distinct['x-robots-tag'], ['otherbot: noai', 'noai']);
    assert.match(robotsTagRefusal(distinct, 'clipmill')!, /X-Robots-Tag "noai"/);
    // A plain object with lower- or mixed-case names works too.
    assert.ok(robotsTagRefusal({ 'X-Robots-Tag': 'noai' }, 'clipmill'));
    assert.equal(robotsTagRefusal({ 'content-type': 'video/mp4' }, 'clipmill'), undefined);
  });
});

test('userAgentToken takes the product token of a User-Agent', () => {
  assert.equal(userAgentToken('clipmill/0.1 (+https://github.com/clipmill/clipmill)'), 'clipmill');
  assert.equal(userAgentToken('MyCrawler'), 'mycrawler');
});

const LIST = `# opt-outs received
example.com            # the whole site and its subdomains
http://media.host.net/private/
cdn.other.org/users/42/
*.example.org/private/*
/data/archive/secret/
0123456789abcdef
`;

test('opt-out list: domains with subdomains, URL prefixes, globs, paths and source ids', () => {
  const list = parseOptOutList(LIST, 'optout.txt');
  assert.deepEqual(list.entries.map((e) => [e.kind, e.line]), [
    ['domain', 2], ['prefix', 3], ['prefix', 4], ['glob', 5], ['prefix', 6], ['id', 7],
  ]);
  const verdict = (uri: string, id = sourceId(canonicalUri(uri))): string | undefined => matchOptOut({ id, uri: canonicalUri(uri) }, list);
  assert.match(verdict('https://example.com/a.mp4')!, /optout\.txt:2: domain example\.com/);
  assert.ok(verdict('https://video.cdn.EXAMPLE.com/a.mp4'));
  assert.equal(verdict('https://notexample.com/a.mp4'), undefined);
  assert.equal(verdict('https://example.com.evil.net/a.mp4'), undefined);
  assert.match(verdict('https://media.host.net/private/x.mp4')!, /optout\.txt:3/);
  assert.equal(verdict('https://media.host.net/public/x.mp4'), undefined);
  assert.ok(verdict('http://cdn.other.org/users/42/v.webm'));
  assert.equal(verdict('http://cdn.other.org/users/420/v.webm'), undefined);
  assert.match(verdict('https://a.b.example.org/private/clip.mp4')!, /glob/);
  assert.equal(verdict('https://example.org/private/clip.mp4'), undefined);
  assert.equal(verdict('https://a.example.org/public/clip.mp4'), undefined);
  assert.match(verdict('/data/archive/secret/x.mp4')!, /optout\.txt:6/);
  assert.equal(verdict('/data/archive/open/x.mp4'), undefined);
  assert.match(verdict('https://anything.net/v.mp4', '0123456789abcdef')!, /id 0123456789abcdef/);
});

test('loadOptOutList merges files and refuses a missing one', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-optout-'));
  try {
    await writeFile(path.join(dir, 'a.txt'), 'example.com\n');
    await writeFile(path.join(dir, 'b.txt'), '# nothing but\n\n*.mov\n');
    const list = await loadOptOutList([path.join(dir, 'a.txt'), path.join(dir, 'b.txt')]);
    assert.deepEqual(list.entries.map((e) => `${path.basename(e.file)}:${e.line}:${e.kind}`), ['a.txt:1:domain', 'b.txt:3:glob']);
    assert.ok(matchOptOut({ id: 'x', uri: 'https://h.net/v.mov' }, list));
    assert.deepEqual((await loadOptOutList(undefined)).entries, []);
    await assert.rejects(loadOptOutList(path.join(dir, 'missing.txt')), FatalError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
