/**
 * Every dataset preset through the real CLI, on small manifests in their published layouts whose
 * URL columns point at a loopback server. The served video has hard cuts inside every span, so a
 * clip that spans them proves the dataset's spans, not the shot detector, decided the clips.
 * InternVid and Kinetics publish YouTube ids only; their URL building is checked at the end.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { getPreset } from '../../src/sources/presets/index.js';
import { runCli } from '../helpers/cli.js';
import { listShards, queryIndex, readRecords, tarMembers } from '../helpers/dataset.js';
import { cutVideo, tempDir, type TempDir } from '../helpers/media.js';
import { startServer, type TestServer } from '../fetch/server.js';

const FPS = 25;
/** Shots of 50 frames: hard cuts at frames 50 and 100 (2 s and 4 s); 150 frames in all. */
const SHOTS = [
  { source: 'testsrc2', frames: 50 },
  { source: 'mandelbrot', frames: 50 },
  { source: 'life=ratio=0.5:mold=10:seed=3', frames: 50 },
];
const LAST_FRAME = 149;

/** The first frame at or after `t` seconds (frame i is shown at i / FPS). */
const frameAt = (t: number): number => Math.max(0, Math.ceil(t * FPS - 1e-6));

interface Expected {
  start: number;
  end: number;
  caption: string | null;
  datasetClipId: string | null;
}

/** The clips a span of [start, end) seconds must become: frames snapped to the frame grid. */
function expectedFrames(e: Expected): { startFrame: number; endFrame: number } {
  return { startFrame: frameAt(e.start), endFrame: Math.min(LAST_FRAME, frameAt(e.end) - 1) };
}

describe('clipmill run --preset on loopback manifests', () => {
  let dir: TempDir;
  let server: TestServer;
  let video: Buffer;

  before(async () => {
    dir = await tempDir();
    await cutVideo(dir.file('source.mp4'), SHOTS, '320x180', FPS);
    video = await readFile(dir.file('source.mp4'));
    server = await startServer((req, res) => {
      if (req.url === '/videos/source.mp4') {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length });
        return res.end(video);
      }
      res.writeHead(404).end('not found');
    });
  });
  after(async () => {
    await server.close();
    await dir.remove();
  });

  /** Runs the preset on `manifest` and checks records, index and shards against `expected`. */
  async function runPreset(preset: string, manifestName: string, manifest: string, expected: Expected[]): Promise<void> {
    const file = dir.file(manifestName);
    await writeFile(file, manifest);
    const out = dir.file(`out-${preset}`);
    const result = await runCli(['run', file, '--preset', preset, '--out', out, '--host-rps', '0', '--allow-private-network']);
    assert.equal(result.code, 0, result.stderr);

    const [record, ...others] = await readRecords(out);
    assert.equal(others.length, 0);
    assert.equal(record!.status, 'done', JSON.stringify(record!.error));
    assert.equal(record!.kind, 'http');
    assert.ok(record!.shots!.length >= 2, 'the detector saw the cuts, yet they split no span');
    assert.deepEqual(
      record!.clips.map((c) => ({ startFrame: c.startFrame, endFrame: c.endFrame, status: c.status })),
      expected.map((e) => ({ ...expectedFrames(e), status: 'kept' })),
    );
    for (const clip of record!.clips) {
      assert.equal(clip.startTime, clip.startFrame / FPS);
      assert.equal(clip.endTime, (clip.endFrame + 1) / FPS);
    }

    const rows = await queryIndex(out, (t) => `SELECT clip_id, start_frame, end_frame, caption, clip_metadata::VARCHAR AS meta FROM ${t} ORDER BY start_frame`);
    assert.deepEqual(
      rows.map((r) => ({ caption: r.caption, id: r.meta === null ? null : (JSON.parse(String(r.meta)).dataset_clip_id ?? null) })),
      expected.map((e) => ({ caption: e.caption, id: e.datasetClipId })),
    );

    const members = (await Promise.all((await listShards(out)).map(tarMembers))).flat().map((m) => m.name);
    for (const row of rows) {
      const key = String(row.clip_id).replace(/[^A-Za-z0-9_-]/g, '_');
      assert.ok(members.includes(`${key}.mp4`), `${key}.mp4 in the shards`);
      assert.equal(members.includes(`${key}.txt`), row.caption !== null, `${key}.txt present exactly when captioned`);
    }
  }

  it('hdvila: JSONL clip spans in HH:MM:SS.mmm become exactly those clips, with the dataset clip ids', async () => {
    const url = `${server.base}/videos/source.mp4`;
    const row = {
      video_id: 'loop0000001',
      url,
      clip: [
        { clip_id: 'loop0000001.1.mp4', span: ['00:00:00.500', '00:00:03.000'] },
        { clip_id: 'loop0000001.2.mp4', span: ['00:00:03.610', '00:00:05.960'] },
      ],
    };
    await runPreset('hdvila', 'hdvila.jsonl', `${JSON.stringify(row)}\n`, [
      { start: 0.5, end: 3, caption: null, datasetClipId: 'loop0000001.1.mp4' },
      { start: 3.61, end: 5.96, caption: null, datasetClipId: 'loop0000001.2.mp4' },
    ]);
    // Spelled-out truth for the frame grid: 0.5 s is frame 12.5, so the clip starts at frame 13.
    assert.deepEqual(expectedFrames({ start: 0.5, end: 3, caption: null, datasetClipId: null }), { startFrame: 13, endFrame: 74 });
  });

  it('panda70m: Python-literal lists become clips with their captions and matching scores', async () => {
    const url = `${server.base}/videos/source.mp4`;
    const manifest =
      'videoID,url,timestamp,caption,matching_score\n' +
      `loop0000002,${url},"[['0:00:00.000', '0:00:02.480'], ['0:00:01.900', '0:00:04.400']]",` +
      `"['A test card with a moving sweep.', ""A fractal's slow zoom, then a cellular automaton.""]","[0.51, 0.47]"\n`;
    await runPreset('panda70m', 'panda70m.csv', manifest, [
      { start: 0, end: 2.48, caption: 'A test card with a moving sweep.', datasetClipId: null },
      { start: 1.9, end: 4.4, caption: "A fractal's slow zoom, then a cellular automaton.", datasetClipId: null },
    ]);
    const [score] = await queryIndex(dir.file('out-panda70m'), (t) => `SELECT list(json_extract(clip_metadata::JSON, '$.matching_score')::DOUBLE ORDER BY start_frame) AS s FROM ${t}`);
    assert.deepEqual(score!.s, [0.51, 0.47]);
  });

  it('webvid: the whole video is one clip and its name is the caption', async () => {
    const manifest =
      'videoid,name,page_idx,page_dir,duration,contentUrl\n' +
      `21179416,"Test card, fractal and automaton",2,006001_006050,PT00H00M06S,${server.base}/videos/source.mp4\n`;
    await runPreset('webvid', 'webvid.csv', manifest, [
      { start: 0, end: 7, caption: 'Test card, fractal and automaton', datasetClipId: '21179416' },
    ]);
  });

  it('internvid and kinetics: YouTube ids become watch URLs fetched through yt-dlp, one span per row', () => {
    const internvid = getPreset('internvid').toDraft({
      YoutubeID: '-0hwvEF6FaA', Start_timestamp: '00:03:29.000', End_timestamp: '00:03:31.500', Caption: 'a dog runs', UMT_Score: '0.4',
    });
    assert.equal(internvid.uri, 'https://www.youtube.com/watch?v=-0hwvEF6FaA');
    assert.deepEqual(internvid.spans, [{ start: 209, end: 211.5, caption: 'a dog runs', metadata: { UMT_Score: '0.4' } }]);
    const kinetics = getPreset('kinetics').toDraft({ label: 'juggling balls', youtube_id: 'Zx9YV3nK1aQ', time_start: '12', time_end: '22', split: 'train' });
    assert.equal(kinetics.uri, 'https://www.youtube.com/watch?v=Zx9YV3nK1aQ');
    assert.deepEqual(kinetics.spans, [{ start: 12, end: 22, metadata: { label: 'juggling balls', split: 'train' } }]);
    assert.throws(() => getPreset('kinetics').toDraft({ label: 'x', youtube_id: 'not an id!', time_start: '1', time_end: '2', split: 'val' }), /invalid YouTube id/);
  });
});
