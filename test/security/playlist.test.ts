/**
 * A download or a listed file that is a playlist (HLS, concat) must not make ffmpeg read the
 * files it names: such sources are refused with refused_playlist and no clip is made of them.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { listShards, readRecords } from '../helpers/dataset.js';
import { lavfiVideo, tempDir, type TempDir } from '../helpers/media.js';
import { startServer, type TestServer } from '../fetch/server.js';
import { LOOPBACK_FLAGS } from './flags.js';

describe('playlists are refused, never followed', () => {
  let dir: TempDir;
  let server: TestServer;

  before(async () => {
    dir = await tempDir();
    // A local video the attacker wants in the dataset.
    const secret = await lavfiVideo(dir.file('secret.ts'), 'testsrc2=s=160x90:r=25', 4);
    const hls = `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n${pathToFileURL(secret).href}\n#EXT-X-ENDLIST\n`;
    const concat = `ffconcat version 1.0\nfile '${secret}'\n`;
    server = await startServer((req, res) => {
      const body = req.url === '/concat.mp4' ? concat : hls;
      // Served as a video, under a video name: only the bytes say it is a playlist.
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    });
    await writeFile(dir.file('listed.m3u8.mp4'), hls);
    await writeFile(
      dir.file('manifest.csv'),
      ['url,title', `${server.base}/video.mp4,hls over http`, `${server.base}/concat.mp4,concat over http`, `${dir.file('listed.m3u8.mp4')},hls on disk`].join('\n') + '\n',
    );
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('records every playlist as refused_playlist and packs nothing of the local video', async () => {
    const out = dir.file('out');
    const res = await runCli(['run', dir.file('manifest.csv'), '--out', out, '--min-clip', '1', '--retries', '0', ...LOOPBACK_FLAGS(dir.path)]);
    assert.equal(res.code, 0, res.stderr);
    const records = await readRecords(out);
    assert.equal(records.length, 3);
    for (const r of records) {
      assert.equal(r.error?.code, 'refused_playlist', `${r.metadata.title}: ${r.status} ${r.error?.code} ${r.error?.message}`);
      assert.equal(r.status, 'refused');
      assert.deepEqual(r.clips, []);
    }
    assert.deepEqual(await listShards(out), []);
  });
});
