import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { registerTakedown } from '../../src/cli/takedown.js';
import { FatalError } from '../../src/errors.js';
import { loadTakedowns } from '../../src/policy/takedown.js';
import { listShards, tarMembers } from '../helpers/dataset.js';
import { buildFixture, SHARD } from '../policy/dataset-fixture.js';

function program(): Command {
  const p = new Command('clipmill').exitOverride().configureOutput({ writeErr: () => {} });
  registerTakedown(p);
  return p;
}

/** Runs the command in-process and returns what it printed. */
async function runCli(args: string[]): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => (chunks.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    await program().parseAsync(['node', 'clipmill', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

test('clipmill takedown --source and --list remove the sources and record the reason', async () => {
  const f = await buildFixture();
  try {
    const { a, b, d, e } = f.sources as Record<string, (typeof f.sources)[string]>;
    const list = path.join(f.dir, 'list.txt');
    await writeFile(list, `# request 7\n${e!.uri}\n\n${d!.id}   # by id\n`);
    const out = await runCli(['takedown', f.dir, '--source', a!.uri, '--list', list, '--reason', 'DMCA notice 7', '--json']);
    const result = JSON.parse(out);
    assert.deepEqual(result.sources, [a!.id, d!.id, e!.id].sort());
    assert.equal(result.reason, 'DMCA notice 7');
    assert.deepEqual(result.deletedShards.sort(), [SHARD.d, SHARD.e].sort());
    assert.deepEqual(result.unknownSources, []);

    const shards = await listShards(f.dir);
    assert.equal(shards.length, 2);
    const keys = new Set<string>();
    for (const shard of shards) for (const m of await tarMembers(shard)) keys.add(m.name.split('.')[0]!);
    for (const s of [a!, d!, e!]) for (const id of s.clipIds) assert.ok(!keys.has(id));
    for (const id of b!.clipIds) assert.ok(keys.has(id));

    const text = await runCli(['takedown', f.dir, '--source', b!.id, '--reason', 'second request']);
    assert.match(text, /Took down 1 source: 2 clips removed, 2 from the shards\./);
    const lines = (await readFile(path.join(f.dir, 'takedowns.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 2);
    assert.equal(JSON.parse(lines[1]!).reason, 'second request');
    assert.deepEqual(await loadTakedowns(f.dir), new Set([a!.id, b!.id, d!.id, e!.id]));

    const typo = JSON.parse(await runCli(['takedown', f.dir, '--source', 'https://example.org/never-seen.mp4', '--reason', 'ahead of time', '--json']));
    assert.equal(typo.unknownSources.length, 1, 'a source this dataset does not hold is named as such');
  } finally {
    await rm(f.dir, { recursive: true, force: true });
  }
});

test('clipmill takedown without sources or reason fails clearly', async () => {
  const f = await buildFixture();
  try {
    await assert.rejects(runCli(['takedown', f.dir, '--reason', 'x']), FatalError);
    await assert.rejects(runCli(['takedown', f.dir, '--source', f.sources.a!.id]), /required option '--reason <text>'/);
    await assert.rejects(runCli(['takedown', path.join(f.dir, 'nope'), '--source', 'x', '--reason', 'y']), /not an output directory/);
    await assert.rejects(runCli(['takedown', f.dir, '--source', 'ftp://host/v.mp4', '--reason', 'y']), /not a source id, URL or path/);
  } finally {
    await rm(f.dir, { recursive: true, force: true });
  }
});
