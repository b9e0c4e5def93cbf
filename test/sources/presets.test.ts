import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FatalError } from '../../src/errors.js';
import { presetNames, readInputs } from '../../src/sources/index.js';
import { drain, put, tempDir } from './helpers.js';

const dir = await tempDir();
const yt = (id: string) => `https://www.youtube.com/watch?v=${id}`;

test('presetNames lists every preset', () => {
  assert.deepEqual([...presetNames], ['hdvila', 'panda70m', 'webvid', 'internvid', 'kinetics']);
});

test('hdvila: JSONL rows with clip spans in HH:MM:SS.mmm', async () => {
  const file = await put(dir, 'hdvila.jsonl', [
    JSON.stringify({ video_id: '--14w5HTT80', url: yt('--14w5HTT80'), clip: [
      { clip_id: '--14w5HTT80.1.mp4', span: ['00:00:19.920', '00:00:25.520'] },
      { clip_id: '--14w5HTT80.2.mp4', span: ['01:02:03.000', '01:02:07.250'] },
    ] }),
    JSON.stringify({ video_id: 'bad', url: yt('badbadbad12'), clip: [{ clip_id: 'x', span: ['00:00:05.000', '00:00:01.000'] }] }),
  ].join('\n'));
  const { sources, errors } = await drain(readInputs([file], { preset: 'hdvila' }));
  assert.equal(sources.length, 1);
  const [s] = sources;
  assert.equal(s!.uri, yt('--14w5HTT80'));
  assert.equal(s!.kind, 'ytdlp');
  assert.deepEqual(s!.metadata, { video_id: '--14w5HTT80' });
  assert.deepEqual(s!.spans, [
    { start: 19.92, end: 25.52, datasetClipId: '--14w5HTT80.1.mp4' },
    { start: 3723, end: 3727.25, datasetClipId: '--14w5HTT80.2.mp4' },
  ]);
  assert.deepEqual(errors.map((e) => [e.line, e.message]), [[2, 'span ends (1s) before it starts (5s)']]);
});

test('panda70m: Python-literal lists become spans with captions and scores; a malicious cell is a row error', async () => {
  const file = await put(dir, 'panda70m.csv', [
    'videoID,url,timestamp,caption,matching_score',
    `--0K4Ws0vNo,${yt('--0K4Ws0vNo')},"[['0:00:00.000', '0:00:05.905'], ['0:00:05.905', '0:00:12.412']]","['a woman is talking', ""a man's hand holds a \\""cup\\""""]","[0.4296875, 0.40087890625]"`,
    `evil1234567,${yt('evil1234567')},"[['0:00:00.000', '0:00:05.000']]","[__import__('os').system('id')]","[0.5]"`,
    `short123456,${yt('short123456')},"[['0:00:00.000', '0:00:05.000']]","['a', 'b']","[0.5]"`,
  ].join('\n'));
  const { sources, errors } = await drain(readInputs([file], { preset: 'panda70m' }));
  assert.deepEqual(sources.map((s) => [s.uri, s.kind, s.metadata]), [[yt('--0K4Ws0vNo'), 'ytdlp', { videoID: '--0K4Ws0vNo' }]]);
  assert.deepEqual(sources[0]!.spans, [
    { start: 0, end: 5.905, caption: 'a woman is talking', metadata: { matching_score: 0.4296875 } },
    { start: 5.905, end: 12.412, caption: `a man's hand holds a "cup"`, metadata: { matching_score: 0.40087890625 } },
  ]);
  assert.deepEqual(errors.map((e) => e.line), [3, 4]);
  assert.match(errors[0]!.message, /caption: name "__import__" is not a literal/);
  assert.match(errors[1]!.message, /differ in length \(1, 2, 1\)/);
});

test('webvid: one http source per row, its whole length one span captioned by name', async () => {
  const url = 'https://ak.picdn.net/shutterstock/videos/21179416/preview/stock-footage-aerial-shot-winter-forest.mp4';
  const file = await put(dir, 'webvid.csv', `videoid,name,page_idx,page_dir,duration,contentUrl\n21179416,"Aerial shot, winter forest",2,006001_006050,PT00H00M11S,${url}\n`);
  const { sources, errors } = await drain(readInputs([file], { preset: 'webvid' }));
  assert.deepEqual(errors, []);
  assert.deepEqual(sources.map((s) => [s.uri, s.kind, s.spans]), [[url, 'http', [{ start: 0, end: 12, caption: 'Aerial shot, winter forest', datasetClipId: '21179416' }]]]);
  assert.deepEqual(sources[0]!.metadata, {
    videoid: '21179416', name: 'Aerial shot, winter forest', page_idx: '2', page_dir: '006001_006050', duration: 'PT00H00M11S', caption: 'Aerial shot, winter forest',
  });
});

test('internvid: consecutive rows of one video become one source with all its spans', async () => {
  const row = (id: string, start: string, end: string, caption: string) =>
    JSON.stringify({ YoutubeID: id, Start_timestamp: start, End_timestamp: end, Caption: caption, UMT_Score: 0.4, Aesthetic_Score: 4.5 });
  const file = await put(dir, 'internvid.jsonl', [
    row('-0hwvEF6FaA', '00:03:29.000', '00:03:31.000', 'a dog runs'),
    row('-0hwvEF6FaA', 'broken', '00:03:40.000', 'bad row'),
    row('-0hwvEF6FaA', '00:03:35.500', '00:03:40.000', 'the dog sits'),
    row('Zx9YV3nK1aQ', '00:00:01.000', '00:00:03.000', 'a kitchen'),
    row('-0hwvEF6FaA', '00:10:00.000', '00:10:02.000', 'not consecutive'),
  ].join('\n'));
  const { sources, errors } = await drain(readInputs([file], { preset: 'internvid' }));
  assert.deepEqual(sources.map((s) => [s.uri, s.kind, s.origin.line, s.spans?.length]), [
    [yt('-0hwvEF6FaA'), 'ytdlp', 1, 2],
    [yt('Zx9YV3nK1aQ'), 'ytdlp', 4, 1],
  ]);
  assert.deepEqual(sources[0]!.spans, [
    { start: 209, end: 211, caption: 'a dog runs', metadata: { UMT_Score: 0.4, Aesthetic_Score: 4.5 } },
    { start: 215.5, end: 220, caption: 'the dog sits', metadata: { UMT_Score: 0.4, Aesthetic_Score: 4.5 } },
  ]);
  assert.deepEqual(errors.map((e) => e.line), [2, 5]);
  assert.match(errors[0]!.message, /invalid time stamp "broken"/);
  assert.match(errors[1]!.message, /appeared earlier with other spans/);
});

test('kinetics: one span per row, label in metadata; a layout without its columns is fatal', async () => {
  const file = await put(dir, 'kinetics.csv', 'label,youtube_id,time_start,time_end,split\nabseiling,--33Lscn6sk,4,14,train\n"playing bass guitar",-0NDl1ql5eY,23.5,33.5,val\nabseiling,bad id!,0,10,train\n');
  const { sources, errors } = await drain(readInputs([file], { preset: 'kinetics' }));
  assert.deepEqual(sources.map((s) => [s.uri, s.kind, s.metadata, s.spans]), [
    [yt('--33Lscn6sk'), 'ytdlp', { label: 'abseiling', youtube_id: '--33Lscn6sk', split: 'train' }, [{ start: 4, end: 14, metadata: { label: 'abseiling', split: 'train' } }]],
    [yt('-0NDl1ql5eY'), 'ytdlp', { label: 'playing bass guitar', youtube_id: '-0NDl1ql5eY', split: 'val' }, [{ start: 23.5, end: 33.5, metadata: { label: 'playing bass guitar', split: 'val' } }]],
  ]);
  assert.deepEqual(errors.map((e) => [e.line, e.message]), [[4, 'invalid YouTube id "bad id!"']]);

  const wrong = await put(dir, 'not-kinetics.csv', 'url,label\nhttps://example.com/a.mp4,x\n');
  await assert.rejects(drain(readInputs([wrong], { preset: 'kinetics' })), (err) =>
    err instanceof FatalError && /preset kinetics expects columns label, youtube_id, time_start, time_end, split; missing youtube_id, time_start, time_end, split/.test(err.message));
});
