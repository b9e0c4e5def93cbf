/**
 * Clip extraction cost: extractClips on N clips of one source, against (a) one bare ffmpeg transcode
 * of the same spans into a single file with the same codec settings (the floor: one decode, one
 * encode), (b) naive per-clip seek + encode, and (c) one ffmpeg with split+trim per clip into N
 * outputs. All measured in the same run. Writes bench/extract/RESULTS.md.
 *
 *   node --import tsx bench/extract/run.ts [--seconds 60] [--clips 12] [--clip-sec 3] [--size 640x360]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { ExtractConfig } from '../../src/config/schema.js';
import { extractClips, type ExtractSpan } from '../../src/media/extract.js';
import { readFrames } from '../../src/media/frames.js';
import { probe } from '../../src/media/probe.js';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    clips: { type: 'string', default: '12' },
    'clip-sec': { type: 'string', default: '3' },
    size: { type: 'string', default: '640x360' },
  },
});
const seconds = Number(values.seconds);
const clipCount = Number(values.clips);
const clipSec = Number(values['clip-sec']);

const ffmpeg = (args: string[]) => exec('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 1 << 26 });
const X264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p'];

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-bench-extract-'));
try {
  const src = path.join(dir, 'source.mp4');
  await ffmpeg(['-f', 'lavfi', '-i', `testsrc2=s=${values.size}:r=30:d=${seconds}`, '-c:v', 'libx264', '-preset', 'veryfast',
    '-g', '250', '-bf', '3', '-pix_fmt', 'yuv420p', src]);
  const times: number[] = [];
  for await (const f of readFrames(src, { width: 32, height: 18 })) times.push(f.time);
  const p = await probe(src);

  // Clips spread evenly over the source, each clipSec long.
  const per = Math.floor(times.length / clipCount);
  const len = Math.min(per - 1, Math.round(clipSec * p.video.fps));
  const spans: ExtractSpan[] = Array.from({ length: clipCount }, (_, k) => {
    const a = k * per + Math.floor((per - len) / 2);
    const b = a + len - 1;
    return { clipId: `c${k}`, startFrame: a, endFrame: b, startTime: times[a], endTime: times[b + 1] ?? times[b] + 1 / p.video.fps };
  });
  const select = spans.map((s) => `between(n,${s.startFrame},${s.endFrame})`).join('+');
  const cfg = ExtractConfig.parse({ maxHeight: 10_000 });

  const ours = await timed(() => extractClips(src, p, spans, path.join(dir, 'ours'), cfg));
  const bare = await timed(() =>
    ffmpeg(['-i', src, '-vf', `select='${select}',setpts=PTS-STARTPTS`, '-fps_mode', 'passthrough', ...X264, path.join(dir, 'bare.mp4')]));
  const naive = await timed(async () => {
    for (const s of spans) {
      await ffmpeg(['-ss', String(s.startTime), '-i', src, '-frames:v', String(s.endFrame - s.startFrame + 1), ...X264, '-an',
        path.join(dir, `naive-${s.clipId}.mp4`)]);
    }
  });
  const splitTrim = await timed(() => {
    const graph = `[0:v]split=${spans.length}${spans.map((_, k) => `[s${k}]`).join('')};` +
      spans.map((s, k) => `[s${k}]trim=start_frame=${s.startFrame}:end_frame=${s.endFrame + 1},setpts=PTS-STARTPTS[o${k}]`).join(';');
    return ffmpeg(['-i', src, '-filter_complex', graph,
      ...spans.flatMap((s, k) => ['-map', `[o${k}]`, ...X264, path.join(dir, `split-${s.clipId}.mp4`)])]);
  });

  const kept = spans.reduce((n, s) => n + s.endFrame - s.startFrame + 1, 0);
  const row = (name: string, sec: number) => `| ${name} | ${sec.toFixed(2)} | ${(kept / sec).toFixed(0)} | ${(sec / bare).toFixed(2)}× |`;
  const table = [
    '| method | seconds | kept frames/s | time vs bare transcode |',
    '|---|---|---|---|',
    row('extractClips (one decode, select by index, one encoder, segment muxer)', ours),
    row('bare ffmpeg transcode of the same spans into one file', bare),
    row('naive per-clip seek + encode (one ffmpeg per clip)', naive),
    row('one ffmpeg, split+trim per clip, N outputs', splitTrim),
  ].join('\n');
  const command = `node --import tsx bench/extract/run.ts --seconds ${seconds} --clips ${clipCount} --clip-sec ${clipSec} --size ${values.size}`;
  const report = [
    '# Clip extraction benchmark',
    '',
    `Source: testsrc2 ${values.size}, 30 fps, ${seconds} s, H.264 GOP 250 with 3 B-frames (${times.length} frames).`,
    `${clipCount} clips of ${len} frames spread evenly (${kept} kept frames). Codec for every method: libx264 veryfast CRF 23, no audio.`,
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), shared; numbers from one run.`,
    '',
    table,
    '',
    `Command: \`${command}\``,
    '',
  ].join('\n');
  console.log(report);
  await writeFile(new URL('./RESULTS.md', import.meta.url), report);
} finally {
  await rm(dir, { recursive: true, force: true });
}
