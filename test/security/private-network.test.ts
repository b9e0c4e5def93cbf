/**
 * URLs to private, loopback, link-local and multicast addresses are refused by default, by IP
 * literal and by a name that resolves to one (checked on the resolved address at connect time),
 * without a request reaching the server; --allow-private-network permits them.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { isPublicAddress, publicOnlyLookup } from '../../src/fetch/address-policy.js';
import { runCli } from '../helpers/cli.js';
import { readRecords } from '../helpers/dataset.js';
import { lavfiVideo, tempDir, type TempDir } from '../helpers/media.js';
import { startServer, type TestServer } from '../fetch/server.js';

describe('internal addresses', () => {
  let dir: TempDir;
  let server: TestServer;

  before(async () => {
    dir = await tempDir();
    const video = await readFile(await lavfiVideo(dir.file('v.mp4'), 'testsrc2=s=160x90:r=25', 2));
    server = await startServer((req, res) => {
      if (req.url === '/hop') return res.writeHead(302, { location: '/v.mp4' }).end();
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length }).end(video);
    });
    const port = new URL(server.base).port;
    await writeFile(dir.file('list.txt'), [`${server.base}/v.mp4`, `http://localhost:${port}/by-name.mp4`, `http://[::ffff:127.0.0.1]:${port}/mapped.mp4`, `${server.base}/hop`].join('\n') + '\n');
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('are refused_private_address by default, and the server sees no request', async () => {
    const out = dir.file('out');
    const res = await runCli(['run', dir.file('list.txt'), '--out', out, '--min-clip', '1', '--retries', '0']);
    assert.equal(res.code, 0, res.stderr);
    const records = await readRecords(out);
    assert.equal(records.length, 4);
    for (const r of records) {
      assert.equal(r.error?.code, 'refused_private_address', `${r.uri}: ${r.status} ${r.error?.message}`);
      assert.equal(r.status, 'refused');
    }
    assert.deepEqual(server.seen, [], 'no request reached the loopback server');
  });

  it('are fetched with --allow-private-network, redirects included', async () => {
    const out = dir.file('out-allowed');
    const res = await runCli(['run', dir.file('list.txt'), '--out', out, '--min-clip', '1', '--retries', '0', '--allow-private-network']);
    assert.equal(res.code, 0, res.stderr);
    for (const r of await readRecords(out)) assert.equal(r.status, 'done', `${r.uri}: ${r.error?.message}`);
  });

  it('classifies addresses: private, loopback, link-local, multicast, mapped and reserved ones are not public', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
      '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a9fe:a9fe']) {
      assert.equal(isPublicAddress(a), false, a);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) assert.equal(isPublicAddress(a), true, a);
  });

  it('the connect-time lookup passes public addresses on in both callback shapes', async () => {
    const all = await new Promise<unknown[]>((resolve) => publicOnlyLookup('8.8.8.8', { all: true }, (e, a) => resolve([e, a])));
    assert.deepEqual(all, [null, [{ address: '8.8.8.8', family: 4 }]]);
    const one = await new Promise<unknown[]>((resolve) => publicOnlyLookup('8.8.8.8', {}, (e, a, f) => resolve([e, a, f])));
    assert.deepEqual(one, [null, '8.8.8.8', 4]);
  });

  it('the connect-time lookup refuses a name that resolves to loopback', async () => {
    const err = await new Promise<unknown>((resolve) => publicOnlyLookup('localhost', { all: true }, (e) => resolve(e)));
    assert.equal((err as { code?: string }).code, 'refused_private_address');
  });
});
