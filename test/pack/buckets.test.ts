import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aspectClass, bucketName, durationClass, resolutionClass } from '../../src/pack/buckets.js';

test('resolution class follows the short side, so portrait and landscape agree', () => {
  assert.equal(resolutionClass(1280, 720), '720p');
  assert.equal(resolutionClass(720, 1280), '720p');
  assert.equal(resolutionClass(1920, 1080), '1080p');
  assert.equal(resolutionClass(854, 480), '480p');
  assert.equal(resolutionClass(160, 90), 'lt144p');
  assert.equal(resolutionClass(320, 180), '144p');
});

test('aspect class is the nearest common ratio', () => {
  assert.equal(aspectClass(1920, 1080), '16x9');
  assert.equal(aspectClass(1080, 1920), '9x16');
  assert.equal(aspectClass(640, 480), '4x3');
  assert.equal(aspectClass(500, 500), '1x1');
  assert.equal(aspectClass(1920, 800), '21x9');
  assert.equal(aspectClass(720, 480), '3x2');
});

test('duration class edges are upper-inclusive with a millisecond of tolerance', () => {
  assert.equal(durationClass(1), 'd0-2');
  assert.equal(durationClass(2), 'd0-2');
  assert.equal(durationClass(2.04), 'd2-5');
  assert.equal(durationClass(10.0004), 'd5-10');
  assert.equal(durationClass(10.1), 'd10-20');
  assert.equal(durationClass(75), 'd60plus');
});

test('bucket names combine the three classes', () => {
  assert.equal(bucketName(1280, 720, 7.5), '720p-16x9-d5-10');
  assert.equal(bucketName(720, 1280, 3), '720p-9x16-d2-5');
  assert.equal(bucketName(null, null, 1), 'unknown-d0-2');
});
