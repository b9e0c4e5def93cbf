/**
 * Every decode, scale and JPEG encode clipmill runs gives the same pixels on any CPU, so the
 * analysis (and every boundary it finds), the clips and the frames shown to models do not depend
 * on the machine. ffmpeg's `-cpuflags` stands in for other machines: "0" is the C code alone (a
 * CPU with no SIMD ffmpeg knows), the other set a CPU with SSE2 only. Before the bitexact options,
 * the MPEG-4 part 2 and MS-MPEG4 decoders' IDCT, swscale's YUV-to-RGB conversion of MJPEG frames
 * and the MJPEG encoder's DCT all gave other pixels with each of them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';

/** The instruction sets each decode runs with: this machine's (all), none, SSE2 only. */
const CPUS = ['', '0', 'mmx+mmxext+sse+sse2'];
const FPS = 25;
const SECONDS = 2;
/** Sources whose decode or conversion differed between CPUs; the fixture encoders use the C DCT. */
const SOURCES = [
  { name: 'mjpeg.avi', args: ['-c:v', 'mjpeg', '-q:v', '4', '-pix_fmt', 'yuvj422p', '-dct', 'int'] },
  { name: 'msmpeg4v3.avi', args: ['-c:v', 'msmpeg4', '-q:v', '4', '-dct', 'int'] },
  { name: 'mpeg4.avi', args: ['-c:v', 'mpeg4', '-q:v', '4', '-dct', 'int'] },
];

let dir: TempDir;
// The modules start ffmpeg through CLIPMILL_FFMPEG, read when they load: a wrapper that passes
// the instruction sets of the moment on to ffmpeg.
let src: {
  readFrames: typeof import('../../src/media/frames.js').readFrames;
  analysisSize: typeof import('../../src/media/frames.js').analysisSize;
  probe: typeof import('../../src/media/probe.js').probe;
  extractClips: typeof import('../../src/media/extract.js').extractClips;
  ExtractConfig: typeof import('../../src/config/schema.js').ExtractConfig;
  clipRgbFrames: typeof import('../../src/annotate/clip-frames.js').clipRgbFrames;
  clipJpegFrames: typeof import('../../src/annotate/clip-frames.js').clipJpegFrames;
  makeThumbnail: typeof import('../../src/media/thumbnail.js').makeThumbnail;
  clipPicture: typeof import('../../src/report/pictures.js').clipPicture;
};

before(async () => {
  dir = await tempDir();
  const wrapper = dir.file('ffmpeg-on-cpu');
  await writeFile(wrapper, '#!/bin/sh\n[ -n "$CLIPMILL_TEST_CPUFLAGS" ] && exec ffmpeg -cpuflags "$CLIPMILL_TEST_CPUFLAGS" "$@"\nexec ffmpeg "$@"\n');
  await chmod(wrapper, 0o755);
  process.env.CLIPMILL_FFMPEG = wrapper;
  src = {
    ...(await import('../../src/media/frames.js')),
    ...(await import('../../src/media/probe.js')),
    ...(await import('../../src/media/extract.js')),
    ...(await import('../../src/config/schema.js')),
    ...(await import('../../src/annotate/clip-frames.js')),
    ...(await import('../../src/media/thumbnail.js')),
    ...(await import('../../src/report/pictures.js')),
  };
  for (const s of SOURCES) {
    await ffmpeg(['-f', 'lavfi', '-i', `testsrc2=s=320x240:r=${FPS}:d=${SECONDS},noise=alls=20:allf=t+u`, ...s.args, dir.file(s.name)]);
  }
});
after(async () => {
  delete process.env.CLIPMILL_TEST_CPUFLAGS;
  await dir.remove();
});

const md5 = (bytes: Buffer | Buffer[]) => createHash('md5').update(Buffer.concat([bytes].flat())).digest('hex');

/** The MD5 of what `make` returns on each of CPUS. */
async function onEachCpu(make: () => Promise<Buffer | Buffer[]>): Promise<string[]> {
  const hashes: string[] = [];
  for (const flags of CPUS) {
    process.env.CLIPMILL_TEST_CPUFLAGS = flags;
    hashes.push(md5(await make()));
  }
  delete process.env.CLIPMILL_TEST_CPUFLAGS;
  return hashes;
}

const sameOnEach = (hashes: string[]) => assert.deepEqual(hashes, CPUS.map(() => hashes[0]), `per CPU: ${hashes.join(', ')}`);

describe('the analysis frames are the same on any CPU', () => {
  for (const s of SOURCES) {
    test(s.name, async () => {
      const file = dir.file(s.name);
      const info = await src.probe(file);
      const size = src.analysisSize(info.video.width, info.video.height, 160);
      const hashes = await onEachCpu(async () => {
        const frames: Buffer[] = [];
        for await (const f of src.readFrames(file, { ...size, source: info.video })) frames.push(Buffer.from(f.data));
        assert.equal(frames.length, FPS * SECONDS);
        return frames;
      });
      sameOnEach(hashes);
    });
  }
});

describe('on an MPEG-4 part 2 source, the same on any CPU', () => {
  const file = () => dir.file('mpeg4.avi');

  test('an extracted clip (H.264)', async () => {
    const info = await src.probe(file());
    const cfg = src.ExtractConfig.parse({ codec: 'h264' });
    const span = { clipId: 'c', startFrame: 5, endFrame: 44, startTime: 5 / FPS, endTime: 45 / FPS };
    let run = 0;
    sameOnEach(await onEachCpu(async () => {
      const [clip] = await src.extractClips(file(), info, [span], dir.file(`extract-${run++}`), cfg);
      return readFile(clip.file);
    }));
  });

  test('RGB frames for an embedding model', async () => {
    sameOnEach(await onEachCpu(async () => (await src.clipRgbFrames(file(), { frameCount: FPS * SECONDS, count: 4, width: 64, height: 64 })).data));
  });

  test('JPEG frames for a caption model', async () => {
    sameOnEach(await onEachCpu(() => src.clipJpegFrames(file(), { frameCount: FPS * SECONDS, count: 4, width: 160 })));
  });

  test('the thumbnail', async () => {
    sameOnEach(await onEachCpu(() => src.makeThumbnail(file())));
  });

  test("the report's picture of a clip", async () => {
    const source = { kind: 'file', uri: file() } as import('../../src/types.js').SourceRecord;
    const clip = { status: 'dropped', start: 0.5, end: 1.5 } as import('../../src/report/dataset.js').ClipView;
    sameOnEach(await onEachCpu(async () => {
      const jpeg = await src.clipPicture(dir.path, clip, source);
      assert.ok(jpeg, 'a picture was made');
      return jpeg;
    }));
  });
});
