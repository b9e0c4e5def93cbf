/**
 * Real yt-dlp through the CLI: an HD-VILA manifest whose URL is a loopback web page holding an
 * HTML5 <video>. The page becomes a 'ytdlp' source (presets mark span-bearing page URLs so),
 * yt-dlp fetches only the section the spans cover (--download-sections, so the server must
 * answer Range requests), its metadata lands in the record's provenance, and the spans, given
 * in the original video's time, are found in the section file.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { queryIndex, readRecords } from '../helpers/dataset.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';
import { startServer, type TestServer } from '../fetch/server.js';

const FRAME = 1 / 25;
const PAGE = '<!DOCTYPE html><html><head><title>A loopback video page</title></head><body><video controls src="/media/source.mp4"></video></body></html>';

describe('clipmill run on a web page through yt-dlp', () => {
  let dir: TempDir;
  let server: TestServer;

  before(async () => {
    dir = await tempDir();
    await cutVideo(dir.file('source.mp4'), [
      { source: 'testsrc2', frames: 50 },
      { source: 'mandelbrot', frames: 50 },
      { source: 'life=ratio=0.5:mold=10:seed=3', frames: 50 },
    ], '320x180');
    const video = await readFile(dir.file('source.mp4'));
    server = await startServer((req, res) => {
      if (req.url === '/watch/loop1') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      if (req.url !== '/media/source.mp4') return res.writeHead(404).end();
      const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
      if (!range) return res.writeHead(200, { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'content-length': video.length }).end(video);
      const start = Number(range[1]);
      const end = range[2] ? Number(range[2]) : video.length - 1;
      res.writeHead(206, {
        'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'content-length': end - start + 1,
        'content-range': `bytes ${start}-${end}/${video.length}`,
      }).end(video.subarray(start, end + 1));
    });
  });
  after(async () => {
    await server.close();
    await dir.remove();
  });

  it('downloads only the spans\' section, records yt-dlp metadata and cuts the spans at their original times', async () => {
    const spans = [
      { clip_id: 'loop1.1', span: ['00:00:02.500', '00:00:04.600'] },
      { clip_id: 'loop1.2', span: ['00:00:03.000', '00:00:05.000'] },
    ];
    await writeFile(dir.file('hdvila.jsonl'), `${JSON.stringify({ video_id: 'loop1', url: `${server.base}/watch/loop1`, clip: spans })}\n`);
    const out = dir.file('out');
    const result = await runCli(['run', dir.file('hdvila.jsonl'), '--preset', 'hdvila', '--out', out, '--host-rps', '0', '--allow-private-network']);
    assert.equal(result.code, 0, result.stderr);

    const [record] = await readRecords(out);
    assert.equal(record!.kind, 'ytdlp');
    assert.equal(record!.status, 'done', JSON.stringify(record!.error));
    const meta = record!.provenance!.fetcherMetadata!;
    assert.equal(meta.title, 'A loopback video page (1)');
    assert.equal(meta.webpage_url, `${server.base}/watch/loop1`);
    assert.equal(meta.extractor_key, 'HTML5MediaEmbed');
    assert.deepEqual([meta.section_start, meta.section_end], [2.5, 5]);
    // Only the section was fetched: it lasts 2.5 s of the 6 s video.
    assert.ok(Math.abs(record!.probe!.durationSec - 2.5) < 2 * FRAME, `section of ${record!.probe!.durationSec} s`);

    // Clip times are on the original video's timeline: the dataset's span times, to a frame.
    assert.equal(record!.clips.length, 2);
    for (const [i, clip] of record!.clips.entries()) {
      const [start, end] = spans[i]!.span.map((t) => Number(t.slice(6)));
      assert.equal(clip.status, 'kept', clip.reason);
      assert.ok(Math.abs(clip.startTime - start!) <= FRAME + 1e-6, `clip ${i} starts at ${clip.startTime}, span at ${start}`);
      assert.ok(Math.abs(clip.endTime - end!) <= FRAME + 1e-6, `clip ${i} ends at ${clip.endTime}, span at ${end}`);
      assert.equal(clip.metadata?.section_start, 2.5);
    }
    const rows = await queryIndex(out, (t) => `SELECT json_extract_string(fetcher_metadata::JSON, '$.title') AS title, json_extract_string(clip_metadata::JSON, '$.dataset_clip_id') AS id FROM ${t} ORDER BY start_frame`);
    assert.deepEqual(rows, [{ title: 'A loopback video page (1)', id: 'loop1.1' }, { title: 'A loopback video page (1)', id: 'loop1.2' }]);
  });
});
