/** Readers for a finished output directory: tar members, the Parquet index parts through DuckDB, records. */
import { DuckDBInstance } from '@duckdb/node-api';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import tar from 'tar-stream';
import { RecordStore } from '../../src/store/record-store.js';
import type { SourceRecord } from '../../src/types.js';

export async function listShards(outDir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.tar')) found.push(p);
    }
  }
  await walk(path.join(outDir, 'shards'));
  return found.sort();
}

export async function tarMembers(file: string): Promise<{ name: string; size: number }[]> {
  const members: { name: string; size: number }[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      members.push({ name: header.name, size: header.size ?? 0 });
      stream.on('end', next);
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  createReadStream(file).pipe(extract);
  await done;
  return members;
}

export async function queryIndex(outDir: string, sql: (table: string) => string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const table = `read_parquet('${path.join(outDir, 'index', 'parts', '*.parquet').replace(/'/g, "''")}')`;
    const reader = await conn.runAndReadAll(sql(table));
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
  }
}

/** Absolute paths of the record files of an output directory, in record order. */
export async function recordFiles(outDir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of new RecordStore(outDir).files()) if (entry.kind === 'record') files.push(entry.file);
  return files;
}

export async function readRecords(outDir: string): Promise<SourceRecord[]> {
  return Promise.all((await recordFiles(outDir)).map(async (file) => JSON.parse(await readFile(file, 'utf8')) as SourceRecord));
}
