import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Captioner, type ClipToDescribe } from '../../src/annotate/captioner.js';
import { evenlySpacedFrames } from '../../src/annotate/clip-frames.js';
import { renderPrompt } from '../../src/annotate/prompt.js';
import { CaptionConfig } from '../../src/config/schema.js';
import { ffmpeg, tempDir, type TempDir } from '../helpers/media.js';
import { startVlmServer, type VlmServer } from './vlm-server.js';

/** A 3 s clip at 25 fps: one second each of the given colours, so each third's frame is known. */
async function colourClip(file: string, colours: string[]): Promise<ClipToDescribe> {
  const inputs = colours.flatMap((c) => ['-f', 'lavfi', '-i', `color=c=${c}:s=160x90:r=25:d=1`]);
  const graph = `${colours.map((_, i) => `[${i}:v]`).join('')}concat=n=${colours.length}:v=1:a=0[v]`;
  await ffmpeg([...inputs, '-filter_complex', graph, '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
  return { clipId: file, file, duration: colours.length, frameCount: 25 * colours.length, metadata: [{ title: 'Colours' }] };
}

function captioner(server: VlmServer, dir: TempDir, over: Record<string, unknown> = {}): Captioner {
  const cfg = CaptionConfig.parse({ endpoint: server.endpoint, model: 'test-vlm', frames: 3, backoffSec: 0.05, retries: 2, ...over });
  return new Captioner(cfg, dir.file('cache'), 'secret-key');
}

describe('captioner against an OpenAI-compatible server on loopback', () => {
  let server: VlmServer;
  let dir: TempDir;
  let clip: ClipToDescribe;
  before(async () => {
    server = await startVlmServer();
    dir = await tempDir();
    clip = await colourClip(dir.file('rgb.mp4'), ['red', 'green', 'blue']);
  });
  after(async () => {
    await server.close();
    await dir.remove();
  });

  test('frames are spread evenly over the clip', () => {
    assert.deepEqual(evenlySpacedFrames(75, 3), [12, 37, 62]);
    assert.deepEqual(evenlySpacedFrames(2, 4), [0, 1]);
  });

  test('the right frames of the clip reach the model, in order, and the JSON answer is used', async () => {
    server.behaviour = 'ok';
    const before = server.requests;
    const d = await captioner(server, dir).describe(clip);
    assert.equal(server.requests, before + 1);
    assert.deepEqual(server.answers.at(-1), ['red', 'green', 'blue']);
    assert.equal(d.caption, 'frames: red green blue');
    assert.equal(d.captionModel, 'test-vlm');
    assert.equal(d.category, 'animation');
    assert.equal(d.categorySource, 'vlm');
    assert.deepEqual(d.tags, ['red', 'green', 'blue']);
    assert.equal(d.promptTokens, 300);
    assert.equal(d.completionTokens, 12);
    assert.equal(server.auth.at(-1), 'Bearer secret-key');
  });

  test('a second ask for the same clip, model and prompt is answered from the cache', async () => {
    const before = server.requests;
    const d = await captioner(server, dir).describe(clip);
    assert.equal(server.requests, before);
    assert.equal(d.cached, true);
    assert.equal(d.caption, 'frames: red green blue');
    // Another model is another question.
    await captioner(server, dir, { model: 'other-vlm' }).describe(clip);
    assert.equal(server.requests, before + 1);
  });

  test('a 429 with Retry-After is waited out and retried', async () => {
    server.behaviour = 'rate-limit-once';
    const other = await colourClip(dir.file('bgr.mp4'), ['blue', 'green', 'red']);
    const before = server.requests;
    const d = await captioner(server, dir).describe(other);
    assert.equal(server.requests, before + 2);
    assert.equal(d.caption, 'frames: blue green red');
    assert.equal(d.category, 'nature/scenery', 'the model\'s spelling is mapped onto the taxonomy');
  });

  test('malformed JSON and server errors become caption_error, not a lost clip, and are not cached', async () => {
    const yellow = await colourClip(dir.file('y.mp4'), ['yellow']);
    server.behaviour = 'bad-json';
    const bad = await captioner(server, dir, { retries: 0 }).describe({ ...yellow, metadata: [{ categories: ['Pets & Animals'] }] });
    assert.match(bad.captionError ?? '', /not valid JSON/);
    assert.equal(bad.caption, undefined);
    assert.equal(bad.category, 'animals');
    assert.equal(bad.categorySource, 'metadata');
    server.behaviour = 'server-error';
    const before = server.requests;
    const failed = await captioner(server, dir, { retries: 2 }).describe(yellow);
    assert.equal(server.requests, before + 3, 'one try and two retries');
    assert.match(failed.captionError ?? '', /HTTP 500/);
    server.behaviour = 'ok';
    const good = await captioner(server, dir).describe(yellow);
    assert.equal(good.cached, false);
    assert.equal(good.caption, 'frames: yellow yellow yellow');
  });

  test('plain-text answers when structured output is off', async () => {
    server.behaviour = 'text';
    const d = await captioner(server, dir, { structured: false, model: 'plain' }).describe(clip);
    assert.equal(d.caption, 'frames: red green blue');
    assert.equal(d.categorySource, undefined);
    server.behaviour = 'ok';
  });

  test('requests from many clips share the concurrency limit: 8 in flight against a slow server', async () => {
    const clips = await Promise.all(Array.from({ length: 16 }, (_, i) => colourClip(dir.file(`c${i}.mp4`), ['white'])));
    const cap = captioner(server, dir, { concurrency: 8, frames: 1, model: 'slow' });
    server.maxInFlight = 0;
    // Answers wait until 8 requests are in flight: each clip's frames are cut (ffmpeg) before its
    // request goes, which a busy machine can spread over longer than any fixed answer delay.
    server.holdUntilInFlight = 8;
    const results = await Promise.all(clips.map((c) => cap.describe(c))).finally(() => (server.holdUntilInFlight = undefined));
    assert.equal(server.maxInFlight, 8);
    assert.ok(results.every((r) => r.caption === 'frames: white'));
  });

  test('prompt templates fill metadata and drop empty sections', () => {
    assert.equal(renderPrompt('A{{#title}} titled {{title}}{{/title}}.', { title: 'X' }), 'A titled X.');
    assert.equal(renderPrompt('A{{#title}} titled {{title}}{{/title}}.', {}), 'A.');
  });
});
