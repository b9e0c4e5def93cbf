/**
 * yt-dlp sources whose manifest states no licence: under a declared use, the licence the site
 * reports (asked of yt-dlp without downloading media) decides admission before any download.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PolicyConfig, RunConfig } from '../../src/config/schema.js';
import { ErrorCode } from '../../src/errors.js';
import { LocalRoots } from '../../src/fetch/local-roots.js';
import { LocalHostGate } from '../../src/fetch/politeness.js';
import { ytDlpMetadata } from '../../src/fetch/ytdlp.js';
import { processSource } from '../../src/pipeline/task.js';
import { parseOptOutList } from '../../src/policy/optout.js';
import type { PolicyContext } from '../../src/policy/policy.js';
import { decideAdmissionWithLookup, type MetadataLookup } from '../../src/policy/reported-license.js';
import { OutputDir } from '../../src/store/output.js';
import type { Source } from '../../src/types.js';
import { LOOPBACK, startServer, testConfig, type TestServer } from '../fetch/server.js';
import { lavfiVideo } from '../helpers/media.js';

const page = (id: string, metadata: Record<string, unknown> = {}): Source => ({
  id, uri: `https://pages.example.org/watch/${id}`, kind: 'ytdlp', metadata, origin: { input: 'test' },
});

const context = (config: Partial<PolicyConfig>, takenDown: string[] = []): PolicyContext => ({
  config: PolicyConfig.parse(config),
  optOut: { entries: [] },
  takenDown: new Set(takenDown),
});

/** A stubbed metadata lookup that reports `license` and counts its calls. */
function stubLookup(license?: string): MetadataLookup & { calls: number } {
  const lookup = Object.assign(async () => (lookup.calls++, license === undefined ? { title: 't' } : { title: 't', license }), { calls: 0 });
  return lookup;
}

describe('admission with the licence a site reports (stubbed metadata)', () => {
  it('admits or refuses a yt-dlp source by the normalised reported licence', async () => {
    const cases: Array<[string, string | undefined, string | undefined]> = [
      // use, reported licence, admitted licence (undefined: refused)
      ['commercial', 'Creative Commons Attribution license (reuse allowed)', 'CC-BY-3.0'],
      ['commercial', 'by-nc-sa', undefined],
      ['research', 'by-nc-sa', 'CC-BY-NC-SA-4.0'],
      ['research', 'Standard YouTube License', undefined],
      ['research', undefined, undefined],
      ['research', 'ask the uploader', undefined],
    ];
    for (const [use, reported, admitted] of cases) {
      const lookup = stubLookup(reported);
      const verdict = await decideAdmissionWithLookup(page('v1'), context({ use }), lookup);
      assert.equal(lookup.calls, 1, `${use} / ${reported}: asked once`);
      if (admitted) assert.deepEqual(verdict, { admit: true, license: admitted }, `${use} / ${reported}`);
      else {
        assert.equal(verdict.admit, false, `${use} / ${reported}`);
        assert.equal(!verdict.admit && verdict.code, ErrorCode.RefusedLicense);
        const said = reported === undefined ? /site reports no licence/ : new RegExp(`site reports the licence "${reported}"`);
        assert.match(!verdict.admit ? verdict.reason : '', said);
      }
    }
  });

  it('never asks the site when the manifest, the run, a takedown, an opt-out or the absence of a use decides', async () => {
    const lookup = stubLookup('CC0-1.0');
    const decide = (source: Source, ctx: PolicyContext) => decideAdmissionWithLookup(source, ctx, lookup);
    // A licence the manifest states is never overridden by the site.
    assert.equal((await decide(page('v1', { license: 'CC-BY-NC-4.0' }), context({ use: 'commercial' }))).admit, false);
    assert.deepEqual(await decide(page('v1', { license: 'CC-BY-4.0' }), context({ use: 'commercial' })), { admit: true, license: 'CC-BY-4.0' });
    assert.equal((await decide(page('v1'), context({ use: 'commercial', defaultLicense: 'proprietary' }))).admit, false);
    assert.deepEqual(await decide(page('v1'), context({ use: 'commercial', allowUnknownLicense: true })), { admit: true, license: 'unknown' });
    assert.deepEqual(await decide(page('v1'), context({})), { admit: true, license: 'unknown' });
    const takenDown = await decide(page('v1'), context({ use: 'research' }, ['v1']));
    assert.equal(!takenDown.admit && takenDown.code, ErrorCode.RefusedTakedown);
    const optedOut = await decide(page('v1'), { ...context({ use: 'research' }), optOut: parseOptOutList('pages.example.org\n', 'list') });
    assert.equal(!optedOut.admit && optedOut.code, ErrorCode.RefusedOptOut);
    // An http source is not a page yt-dlp could describe.
    assert.equal((await decide({ ...page('v1'), kind: 'http' }, context({ use: 'research' }))).admit, false);
    assert.equal(lookup.calls, 0);
  });
});

describe('admission with the licence a site reports (real yt-dlp, loopback page)', () => {
  let server: TestServer;
  let dir: string;
  let video: Buffer;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-reported-'));
    video = await readFile(await lavfiVideo(path.join(dir, 'clip.mp4'), 'testsrc2=s=160x90:r=10', 2, ['-movflags', '+faststart']));
    const pageHtml = '<!DOCTYPE html><html><head><title>Loopback page</title></head><body><video src="/media/clip.mp4"></video></body></html>';
    server = await startServer((req, res) => {
      if (req.url === '/watch.html') return res.writeHead(200, { 'content-type': 'text/html' }).end(pageHtml);
      if (req.url !== '/media/clip.mp4') return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length }).end(req.method === 'HEAD' ? undefined : video);
    });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const mediaGets = () => server.seen.filter((s) => s.path === '/media/clip.mp4' && s.headers['user-agent'] !== undefined).length;

  it('ytDlpMetadata reads the page without downloading media', async () => {
    const before = server.seen.length;
    const info = await ytDlpMetadata(`${server.base}/watch.html`, testConfig(), LOOPBACK);
    assert.match(String(info.title), /Loopback page/);
    assert.equal(info.license, undefined, 'the generic extractor reports no licence');
    const requests = server.seen.slice(before);
    assert.ok(requests.some((r) => r.path === '/watch.html'));
    assert.ok(!requests.some((r) => r.path === '/media/clip.mp4'), `media requested: ${JSON.stringify(requests.map((r) => r.path))}`);
  });

  it('a run task under --use research refuses the page (no licence reported) before downloading it', async () => {
    const out = new OutputDir(path.join(dir, 'out'));
    const source: Source = { id: 'pagesource000001', uri: `${server.base}/watch.html`, kind: 'ytdlp', metadata: {}, origin: { input: 'test' } };
    const cfg = RunConfig.parse({ policy: { use: 'research' }, fetch: testConfig({ retries: 0 }) });
    const mediaBefore = mediaGets();
    const record = await processSource(source, {
      out, cfg, gate: new LocalHostGate({ concurrency: 1, rps: 0 }), policy: context({ use: 'research' }),
      access: { localRoots: LocalRoots.none, ...LOOPBACK },
    });
    assert.equal(record.status, 'refused');
    assert.equal(record.error?.code, ErrorCode.RefusedLicense);
    assert.match(record.error!.message, /site reports no licence/);
    assert.equal(record.provenance, undefined, 'nothing was fetched');
    assert.equal(mediaGets(), mediaBefore, 'the media file was never requested');
    assert.equal((await out.readRecord(source.id))?.error?.code, ErrorCode.RefusedLicense, 'the record is on disk');
  });
});
