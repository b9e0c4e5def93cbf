/**
 * Caption throughput against an OpenAI-compatible server with a fixed latency (the loopback test
 * server, told not to decode what it is sent, so the figures are the client's: frame extraction,
 * JPEG encoding, requests): clips per second at several concurrency limits, next to the server's
 * latency, and requests in flight as the server saw them.
 *
 *   node --import tsx bench/annotate/captions.ts [--clips 32] [--latency-ms 500] [--concurrency 1,4,8]
 */
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Captioner, type ClipToDescribe } from '../../src/annotate/captioner.js';
import { CaptionConfig } from '../../src/config/schema.js';
import { ffmpeg, tempDir } from '../../test/helpers/media.js';
import { startVlmServer } from '../../test/annotate/vlm-server.js';

const { values } = parseArgs({
  options: { clips: { type: 'string', default: '32' }, 'latency-ms': { type: 'string', default: '500' }, concurrency: { type: 'string', default: '1,4,8' } },
});
const count = Number(values.clips);
const latencyMs = Number(values['latency-ms']);

const dir = await tempDir('clipmill-bench-captions-');
const server = await startVlmServer();
try {
  const clips: ClipToDescribe[] = [];
  for (let i = 0; i < count; i++) {
    const file = dir.file(`c${i}.mp4`);
    await ffmpeg(['-f', 'lavfi', '-i', `testsrc2=s=640x360:r=25:d=4,hue=h=${i * 11}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
    clips.push({ clipId: `c${i}`, file, duration: 4, frameCount: 100, metadata: [] });
  }
  server.delayMs = latencyMs;
  server.decodeFrames = false;
  console.log(`${count} clips of 4 s, 4 frames each at 448 px; server latency ${latencyMs} ms`);
  console.log('| concurrency | seconds | clips/s | ideal clips/s (concurrency / latency) | most in flight (server) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const concurrency of values.concurrency!.split(',').map(Number)) {
    await rm(dir.file('cache'), { recursive: true, force: true });
    const cfg = CaptionConfig.parse({ endpoint: server.endpoint, model: `bench-${concurrency}`, concurrency });
    const captioner = new Captioner(cfg, dir.file('cache'), undefined);
    server.maxInFlight = 0;
    const t0 = performance.now();
    const results = await Promise.all(clips.map((c) => captioner.describe(c)));
    const seconds = (performance.now() - t0) / 1000;
    if (results.some((r) => !r.caption)) throw new Error('a caption failed');
    console.log(`| ${concurrency} | ${seconds.toFixed(2)} | ${(count / seconds).toFixed(2)} | ${((1000 * concurrency) / latencyMs).toFixed(2)} | ${server.maxInFlight} |`);
  }
} finally {
  await server.close();
  await dir.remove();
}
