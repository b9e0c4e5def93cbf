/**
 * The egress guard yt-dlp connects through: real yt-dlp, real servers on two loopback addresses,
 * the guard allowing only 127.0.0.1 (standing in for the public internet, which the tests cannot
 * reach). A redirect that yt-dlp follows to a refused address never reaches it, over plain http
 * and through a CONNECT tunnel alike; an allowed address is served through the guard unchanged.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEgressProxy, type EgressProxy } from '../../src/fetch/egress-proxy.js';
import { ffmpeg } from '../pack/fixture.js';

const ALLOWED = '127.0.0.1';
const REFUSED = '127.0.0.2';

function ytDlp(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('yt-dlp', ['--ignore-config', '--no-progress', '--retries', '0', '--socket-timeout', '10', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('the egress guard for yt-dlp', () => {
  let dir: string;
  let video: Buffer;
  let guard: EgressProxy;
  const servers: http.Server[] = [];
  const seen = { allowed: [] as string[], refused: [] as string[] };
  let allowedBase = '';
  let refusedBase = '';

  const serve = async (host: string, log: string[]): Promise<string> => {
    const server = http.createServer((req, res) => {
      log.push(req.url ?? '');
      if (req.url === '/clip.mp4') return void res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length }).end(video);
      if (req.url === '/to-refused') return void res.writeHead(302, { location: `${refusedBase}/clip.mp4` }).end();
      res.writeHead(404).end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return `http://${host}:${(server.address() as AddressInfo).port}`;
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-egress-'));
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=10', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', path.join(dir, 'clip.mp4')]);
    video = await readFile(path.join(dir, 'clip.mp4'));
    allowedBase = await serve(ALLOWED, seen.allowed);
    refusedBase = await serve(REFUSED, seen.refused);
    guard = await startEgressProxy((address) => address === ALLOWED);
  });
  after(async () => {
    await guard?.close();
    for (const server of servers) server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes an allowed address through, byte for byte', async () => {
    const out = path.join(dir, 'allowed.mp4');
    const run = await ytDlp(['--proxy', guard.url, '-o', out, '--', `${allowedBase}/clip.mp4`]);
    assert.equal(run.code, 0, run.stderr);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(sha(await readFile(out)), sha(video));
    assert.deepEqual(guard.refusals, []);
  });

  it('refuses the redirect yt-dlp follows to a refused address: that server sees no request', async () => {
    const run = await ytDlp(['--proxy', guard.url, '-o', path.join(dir, 'redirected.mp4'), '--', `${allowedBase}/to-refused`]);
    assert.notEqual(run.code, 0, run.stderr);
    assert.ok(seen.allowed.includes('/to-refused'), 'the first hop was served');
    assert.deepEqual(seen.refused, [], 'the refused server saw nothing');
    assert.deepEqual(guard.refusals.map((r) => r.address), [REFUSED]);
  });

  it('refuses a CONNECT tunnel to a refused address and opens one to an allowed address', async () => {
    const tunnel = (target: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: Number(new URL(guard.url).port), method: 'CONNECT', path: target });
        req.on('connect', (res, socket) => {
          socket.destroy();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    const before = guard.refusals.length;
    assert.equal(await tunnel(new URL(refusedBase).host), 403);
    assert.equal(guard.refusals.length, before + 1);
    assert.equal(await tunnel(new URL(allowedBase).host), 200);
    assert.deepEqual(seen.refused, []);
  });
});
