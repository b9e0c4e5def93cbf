/** The publishing order by path class, what a reduce pulls and what a final publish prunes; the --s3-allow matching. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { S3AllowList } from '../../src/store/s3-allow.js';
import { canonicalPrefixUri } from '../../src/store/s3-uri.js';
import { neededForReduce, partsWithManifest, prunable, publishGroups } from '../../src/store/s3-layout.js';

describe('the publishing order of an output folder', () => {
  const files = [
    'stats.json', 'index/parts/p1.json', 'index/parts/p1.parquet', 'index/pending/p2.json', 'index/pending/p2.parquet',
    'shards/720p/p1-0.tar', 'sources/ab/ab12.json', 'pending/ab12', 'clips/ab12/x.mp4', 'runs.jsonl', 'index.parquet',
    'README.md', 'croissant.json', 'ATTRIBUTION.md', 'index/signatures/run-1.bin', 'takedowns.jsonl',
  ];
  it('puts staging and records first, then shards, index files, manifests after their parquet, and the dataset card last', () => {
    assert.deepEqual(publishGroups(files).map((g) => g.sort()), [
      ['runs.jsonl', 'takedowns.jsonl'],
      ['clips/ab12/x.mp4', 'pending/ab12'],
      ['sources/ab/ab12.json'],
      ['shards/720p/p1-0.tar'],
      ['index/parts/p1.parquet', 'index/pending/p2.parquet', 'index/signatures/run-1.bin'],
      ['index/parts/p1.json', 'index/pending/p2.json'],
      ['ATTRIBUTION.md', 'README.md', 'croissant.json', 'index.parquet', 'stats.json'],
    ]);
  });

  it('a reduce pulls everything but final shards; a final publish never prunes a final part\'s shard', () => {
    const pending = partsWithManifest(files, 'pending');
    const final = partsWithManifest(files, 'parts');
    assert.deepEqual([...pending], ['p2']);
    assert.deepEqual([...final], ['p1']);
    assert.equal(neededForReduce('shards/720p/p2-0.tar', pending), true);
    assert.equal(neededForReduce('shards/720p/p1-0.tar', pending), false);
    assert.equal(neededForReduce('shards/720p/shard-000000.tar', pending), false, 'flat-layout shards are rewritten by pack');
    assert.equal(neededForReduce('sources/ab/ab12.json', pending), true);
    assert.equal(neededForReduce('.work/ab12/video.mp4', pending), false);
    assert.equal(prunable('shards/720p/p1-0.tar', final), false);
    assert.equal(prunable('shards/720p/p3-0.tar', final), true, 'an orphan tar of no final part');
    assert.equal(prunable('shards/720p/shard-000001.tar', final), true);
    assert.equal(prunable('clips/ab12/x.mp4', final), true);
    assert.equal(prunable('index/pending/p2.json', final), true);
    assert.equal(prunable('sources/ab/ab12.json', final), false, 'records are never pruned');
    assert.equal(prunable('notes.txt', final), false, 'files of others under the prefix stay');
  });
});

describe('--s3-allow', () => {
  const allow = S3AllowList.of(['inputs', 's3://datasets/runs/q/']);
  it('allows a bucket, or a prefix as a folder', () => {
    assert.equal(allow.allows({ bucket: 'inputs', key: 'any/thing.mp4' }), true);
    assert.equal(allow.allows({ bucket: 'datasets', key: 'runs/q' }), true);
    assert.equal(allow.allows({ bucket: 'datasets', key: 'runs/q/sources/x.json' }), true);
    assert.equal(allow.allows({ bucket: 'datasets', key: 'runs/q2/sources/x.json' }), false);
    assert.equal(allow.allows({ bucket: 'datasets', key: 'runs/' }), false);
    assert.equal(allow.allows({ bucket: 'private', key: 'x' }), false);
    assert.equal(S3AllowList.of([]).allows({ bucket: 'inputs', key: '' }), false, 'none by default');
  });
  it('refuses with a stable code and rejects entries with dot segments', () => {
    assert.throws(() => allow.check({ bucket: 'private', key: 'x' }), (err: Error & { code?: string }) => err.code === 'refused_s3_location');
    assert.throws(() => S3AllowList.of(['datasets/runs/../other']), /no \. or \.\. segments/);
    assert.throws(() => S3AllowList.of(['Not_A_Bucket']), /invalid S3 bucket name/);
  });
});

describe('the spelling of an output prefix', () => {
  it('is canonical and has no trailing slash, so one prefix is one run', () => {
    for (const spelling of ['s3://datasets/v1', 's3://datasets/v1/', 'S3://datasets/x/../v1//']) assert.equal(canonicalPrefixUri(spelling), 's3://datasets/v1');
    assert.equal(canonicalPrefixUri('s3://datasets'), 's3://datasets/');
  });
});
