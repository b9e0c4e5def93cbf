import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, SourceError } from '../../src/errors.js';
import { fetchSource } from '../../src/fetch/index.js';
import { LocalRoots } from '../../src/fetch/local-roots.js';
import { LocalHostGate } from '../../src/fetch/politeness.js';
import { httpSource, testConfig } from './server.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clipmill-local-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

// The test's folder is the one local files may be read from (--allow-local).
const fetchFile = async (file: string) =>
  fetchSource(httpSource(file, 'f', 'file'), path.join(dir, 'work'), testConfig(), {
    gate: new LocalHostGate({ concurrency: 1, rps: 0 }),
    localRoots: await LocalRoots.of([dir]),
  });

function rejectsWith(code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof SourceError);
    assert.equal(err.code, code);
    assert.equal(err.transient, false);
    return true;
  };
}

describe('local files', () => {
  it('reads a file in place with its size and sha256', async () => {
    const data = randomBytes(70_000);
    const file = path.join(dir, '-odd: name.mp4');
    await writeFile(file, data);
    const result = await fetchFile(file);
    assert.equal(result.path, file);
    assert.equal(result.bytes, data.length);
    assert.equal(result.sha256, createHash('sha256').update(data).digest('hex'));
  });

  it('reports a missing file, a directory and an empty file', async () => {
    await assert.rejects(fetchFile(path.join(dir, 'missing.mp4')), rejectsWith(ErrorCode.FileNotFound));
    await mkdir(path.join(dir, 'folder.mp4'));
    await assert.rejects(fetchFile(path.join(dir, 'folder.mp4')), rejectsWith(ErrorCode.FileNotFound));
    await writeFile(path.join(dir, 'empty.mp4'), '');
    await assert.rejects(fetchFile(path.join(dir, 'empty.mp4')), rejectsWith(ErrorCode.EmptyFile));
  });
});
