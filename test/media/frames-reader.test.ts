/**
 * The frame reader's decode shortcuts (loop filter skipped, JPEG decoded at low resolution) keep
 * what analysis relies on: every frame once, in order, with its presentation time, and pixels
 * close to a plain full decode of the same file at the same size.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { decodeShortcuts, parseQuantiser, readFrames, type FrameReaderOptions } from '../../src/media/frames.js';
import { probe } from '../../src/media/probe.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

const exec = promisify(execFile);
const W = 160;
const H = 90;
const FRAMES = 60;

/** Moving detail and colour (testsrc2) at 640x360, 25 fps. */
const SOURCE = `testsrc2=s=640x360:r=25:d=${FRAMES / 25}`;

const CODECS: { name: string; file: string; args: string[] }[] = [
  { name: 'h264', file: 'h264.mp4', args: ['-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-pix_fmt', 'yuv420p'] },
  { name: 'mjpeg', file: 'mjpeg.avi', args: ['-c:v', 'mjpeg', '-q:v', '4', '-pix_fmt', 'yuvj420p'] },
  { name: 'mpeg4', file: 'mpeg4.avi', args: ['-c:v', 'mpeg4', '-q:v', '4'] },
  { name: 'vp8', file: 'vp8.webm', args: ['-c:v', 'libvpx', '-b:v', '1M', '-deadline', 'realtime', '-cpu-used', '8'] },
];

/** The same file decoded exactly, without the reader: scaled the same way, no shortcuts. */
async function plainDecode(file: string): Promise<Buffer[]> {
  const { stdout } = await exec(
    'ffmpeg',
    ['-nostdin', '-v', 'error', '-i', file, '-map', '0:V:0', '-vf', `scale=${W}:${H}:flags=area,format=rgb24`, '-fps_mode', 'passthrough', '-f', 'rawvideo', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 1 << 28 },
  );
  const frames: Buffer[] = [];
  for (let at = 0; at + W * H * 3 <= stdout.length; at += W * H * 3) frames.push(stdout.subarray(at, at + W * H * 3));
  return frames;
}

async function readAll(file: string, opts: FrameReaderOptions): Promise<{ pixels: Buffer[]; times: number[]; indices: number[] }> {
  const out = { pixels: [] as Buffer[], times: [] as number[], indices: [] as number[] };
  for await (const f of readFrames(file, opts)) {
    assert.equal(f.data.length, W * H * 3);
    out.pixels.push(Buffer.from(f.data));
    out.times.push(f.time);
    out.indices.push(f.index);
  }
  return out;
}

/** Mean absolute difference in 8-bit levels. */
function meanAbsDiff(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

describe('frame reader with decode shortcuts', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir();
    for (const c of CODECS) await ffmpeg(['-f', 'lavfi', '-i', SOURCE, ...c.args, dir.file(c.file)]);
  });
  after(() => dir.remove());

  for (const c of CODECS) {
    it(`${c.name}: every frame, in order, at its time, close to a full decode`, { timeout: 120_000 }, async () => {
      const file = dir.file(c.file);
      const info = await probe(file);
      const got = await readAll(file, { width: W, height: H, source: info.video });
      const plain = await plainDecode(file);
      assert.equal(got.pixels.length, FRAMES);
      assert.equal(plain.length, FRAMES);
      assert.deepEqual(got.indices, [...Array(FRAMES).keys()]);
      got.times.forEach((t, i) => assert.ok(Math.abs(t - i / 25) < 1e-3, `frame ${i} at ${t}`));
      const diffs = got.pixels.map((p, i) => meanAbsDiff(p, plain[i]));
      const worst = Math.max(...diffs);
      // Sized for the shortcuts: a skipped deblocking filter or a DCT-domain downscale moves
      // pixels by about a level on average; a wrong frame differs by tens.
      assert.ok(worst < 4, `${c.name}: worst frame differs by ${worst.toFixed(2)} levels`);
      // Each frame matches its own full-decode counterpart better than the next one.
      for (let i = 0; i + 1 < FRAMES; i++) assert.ok(diffs[i] < meanAbsDiff(got.pixels[i], plain[i + 1]), `${c.name}: frame ${i} is not in its place`);
    });
  }

  it('exact: true gives the full decode bit for bit', { timeout: 120_000 }, async () => {
    const file = dir.file('h264.mp4');
    const got = await readAll(file, { width: W, height: H, exact: true, source: (await probe(file)).video });
    const plain = await plainDecode(file);
    got.pixels.forEach((p, i) => assert.ok(p.equals(plain[i]), `frame ${i} differs`));
  });

  it('keeps variable frame-rate times with the shortcuts on', { timeout: 120_000 }, async () => {
    // Frames at 0, 0.04, ... then a 0.6 s gap after frame 19.
    const file = dir.file('vfr.mkv');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=1.6', '-vf', "setpts='if(gte(N,20),PTS+0.6/TB,PTS)'", '-fps_mode', 'vfr', '-c:v', 'mjpeg', '-q:v', '4', '-pix_fmt', 'yuvj420p', file]);
    const got = await readAll(file, { width: W, height: H, source: (await probe(file)).video });
    assert.equal(got.times.length, 40);
    assert.ok(Math.abs(got.times[19] - 0.76) < 0.002, `frame 19 at ${got.times[19]}`);
    assert.ok(Math.abs(got.times[20] - 1.4) < 0.002, `frame 20 at ${got.times[20]}`);
  });

  it('reads 15-bit RGB video (msvideo1) at full range: white is 255', { timeout: 60_000 }, async () => {
    const file = dir.file('white.avi');
    await ffmpeg(['-f', 'lavfi', '-i', 'color=white:s=320x180:r=25:d=0.4', '-c:v', 'msvideo1', file]);
    const info = await probe(file);
    assert.equal(info.video.pixFmt, 'rgb555le');
    const got = await readAll(file, { width: W, height: H, source: info.video });
    assert.equal(got.pixels.length, 10);
    for (const p of got.pixels) assert.ok(p.every((v) => v === 255), 'a white frame has a pixel below 255');
  });

  it("gives every h264 frame the decoder's quantiser (x264 crf 30: QP 30 of 51), and none to mjpeg, mpeg4, vp8", { timeout: 120_000 }, async () => {
    const file = dir.file('crf30.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', SOURCE, '-c:v', 'libx264', '-threads', '1', '-preset', 'veryfast', '-crf', '30', '-pix_fmt', 'yuv420p', file]);
    const quantisers = async (f: string) => {
      const out: (number | undefined)[] = [];
      for await (const frame of readFrames(f, { width: W, height: H, source: (await probe(f)).video })) out.push(frame.quantiser);
      return out;
    };
    const h264 = await quantisers(file);
    assert.equal(h264.length, FRAMES);
    for (const q of h264) assert.ok(q !== undefined && Math.abs(q - 30 / 51) < 1e-9, `quantiser ${q}`);
    for (const c of CODECS.filter((c) => c.name !== 'h264')) {
      const q = await quantisers(dir.file(c.file));
      assert.equal(q.length, FRAMES);
      assert.ok(q.every((v) => v === undefined || Number.isNaN(v)), `${c.name}: ${q.slice(0, 3).join(', ')}`);
    }
  });

  it('stops ffmpeg when the consumer stops early', { timeout: 60_000 }, async () => {
    let n = 0;
    for await (const f of readFrames(dir.file('h264.mp4'), { width: W, height: H })) {
      if (++n === 5) {
        assert.equal(f.index, 4);
        break;
      }
    }
    assert.equal(n, 5);
  });
});

describe('parseQuantiser', () => {
  const line = (params: string) => `[Parsed_showinfo_2 @ 0x55d]   side data - video encoding parameters: ${params}`;
  it('reads the frame quantiser on its codec scale from a showinfo line', () => {
    assert.equal(parseQuantiser(line('type 1; qp=51; delta_qp[1][0]=-2; delta_qp[1][1]=-2; 300 blocks; ')), 1);
    assert.equal(parseQuantiser(line('type 1; qp=17; 3600 blocks; ')), 17 / 51);
    assert.equal(parseQuantiser(line('type 0; qp=123; ')), 123 / 255);
    // 10-bit H.264 states QP 12 higher.
    assert.equal(parseQuantiser(line('type 1; qp=42; 300 blocks; '), 10), 30 / 51);
    // showinfo leaves out a qp of 0.
    assert.equal(parseQuantiser(line('type 1; 300 blocks; ')), 0);
  });
  it('gives NaN for per-block-only parameters (MPEG-2/4) and nothing for other lines', () => {
    assert.ok(Number.isNaN(parseQuantiser(line('type 2; 300 blocks; '))));
    assert.equal(parseQuantiser('[Parsed_showinfo_2 @ 0x55d] color_range:pc color_space:gbr'), undefined);
  });
});

describe('decodeShortcuts', () => {
  const out = { width: 160, height: 90 };
  it('decodes JPEG-style video at the lowest resolution still at least the analysis size', () => {
    assert.deepEqual(decodeShortcuts({ ...out, source: { codec: 'mjpeg', width: 1920, height: 1080 } }), ['-skip_loop_filter', 'all', '-lowres', '3']);
    assert.deepEqual(decodeShortcuts({ ...out, source: { codec: 'mjpeg', width: 640, height: 360 } }), ['-skip_loop_filter', 'all', '-lowres', '2']);
    assert.deepEqual(decodeShortcuts({ ...out, source: { codec: 'mjpeg', width: 200, height: 112 } }), ['-skip_loop_filter', 'all']);
  });
  it('keeps motion-compensated codecs at full size', () => {
    assert.deepEqual(decodeShortcuts({ ...out, source: { codec: 'mpeg2video', width: 1920, height: 1080 } }), ['-skip_loop_filter', 'all']);
  });
  it('decodes exactly when asked, on the GPU, or when deinterlacing', () => {
    const source = { codec: 'mjpeg', width: 1920, height: 1080 };
    assert.deepEqual(decodeShortcuts({ ...out, source, exact: true }), []);
    assert.deepEqual(decodeShortcuts({ ...out, source, hwaccel: 'cuda' }), []);
    assert.deepEqual(decodeShortcuts({ ...out, source, deinterlace: true }), ['-skip_loop_filter', 'all']);
  });
});
