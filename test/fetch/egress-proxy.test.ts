/**
 * The egress guard yt-dlp connects through: real yt-dlp, real http and https servers on two loopback addresses,
 * the guard allowing only 127.0.0.1 (standing in for the public internet, which the tests cannot
 * reach). A redirect that yt-dlp follows to a refused address never reaches it, over plain http
 * and through a CONNECT tunnel alike, from yt-dlp and from the ffmpeg it starts for a section; an
 * allowed address is served through the guard unchanged.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEgressProxy, throughGuard, type EgressProxy } from '../../src/fetch/egress-proxy.js';
import { ffmpeg } from '../helpers/media.js';

const ALLOWED = '127.0.0.1';
const REFUSED = '127.0.0.2';

/** yt-dlp through the guard, as clipmill runs it. */
function ytDlp(guard: EgressProxy, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const common = ['--ignore-config', '--no-progress', '--retries', '0', '--socket-timeout', '10'];
    const child = spawn('yt-dlp', [...throughGuard(guard), ...common, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
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
  let secureAllowedBase = '';
  let secureRefusedBase = '';

  let tls: { key: Buffer; cert: Buffer };
  const serve = async (host: string, log: string[], secure = false): Promise<string> => {
    let laterAsked = 0;
    const handler: http.RequestListener = (req, res) => {
      const refusedTarget = `${secure ? secureRefusedBase : refusedBase}/clip.mp4`;
      log.push(req.url ?? '');
      if (req.url === '/clip.mp4') return void res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length }).end(video);
      if (req.url === '/to-refused') return void res.writeHead(302, { location: refusedTarget }).end();
      // Served to yt-dlp's first look, then sent on to the refused address (the ffmpeg that fetches a section comes later).
      if (req.url === '/later-refused') {
        if (++laterAsked === 1) return void res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length }).end(video);
        return void res.writeHead(302, { location: refusedTarget }).end();
      }
      res.writeHead(404).end();
    };
    const server = secure ? https.createServer(tls, handler) : http.createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return `${secure ? 'https' : 'http'}://${host}:${(server.address() as AddressInfo).port}`;
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-egress-'));
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=10', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', path.join(dir, 'clip.mp4')]);
    video = await readFile(path.join(dir, 'clip.mp4'));
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    assert.equal(made.status, 0, 'openssl made a certificate');
    tls = { key: await readFile(path.join(dir, 'key.pem')), cert: await readFile(path.join(dir, 'cert.pem')) };
    allowedBase = await serve(ALLOWED, seen.allowed);
    refusedBase = await serve(REFUSED, seen.refused);
    secureAllowedBase = await serve(ALLOWED, seen.allowed, true);
    secureRefusedBase = await serve(REFUSED, seen.refused, true);
    guard = await startEgressProxy((address) => address === ALLOWED);
  });
  after(async () => {
    await guard?.close();
    for (const server of servers) server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes an allowed address through, byte for byte', async () => {
    const out = path.join(dir, 'allowed.mp4');
    const run = await ytDlp(guard, ['-o', out, '--', `${allowedBase}/clip.mp4`]);
    assert.equal(run.code, 0, run.stderr);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(sha(await readFile(out)), sha(video));
    assert.deepEqual(guard.refusals, []);
  });

  it('refuses the redirect yt-dlp follows to a refused address: that server sees no request', async () => {
    const run = await ytDlp(guard, ['-o', path.join(dir, 'redirected.mp4'), '--', `${allowedBase}/to-refused`]);
    assert.notEqual(run.code, 0, run.stderr);
    assert.ok(seen.allowed.includes('/to-refused'), 'the first hop was served');
    assert.deepEqual(seen.refused, [], 'the refused server saw nothing');
    assert.deepEqual(guard.refusals.map((r) => r.address), [REFUSED]);
  });

  for (const scheme of ['http', 'https'] as const) {
    it(`guards the ffmpeg that yt-dlp starts for a section (${scheme}): its redirect to a refused address goes nowhere`, async () => {
      const base = scheme === 'https' ? secureAllowedBase : allowedBase;
      const asked = seen.allowed.length;
      const before = guard.refusals.length;
      const out = path.join(dir, `section-${scheme}.mp4`);
      const run = await ytDlp(guard, ['--no-check-certificates', '--download-sections', '*0-1', '-o', out, '--', `${base}/later-refused`]);
      const later = seen.allowed.slice(asked).filter((u) => u === '/later-refused').length;
      assert.ok(later >= 2, `ffmpeg asked again: ${seen.allowed.slice(asked).join(' ')}; ${run.stderr}`);
      assert.deepEqual(seen.refused, [], 'the refused server saw nothing');
      assert.ok(guard.refusals.length > before, run.stderr);
    });
  }

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
