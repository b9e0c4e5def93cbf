/**
 * Builds the run configuration: defaults, then a JSON config file, then command-line flags.
 * Any invalid value is a FatalError that names the field and what was wrong with it.
 */
import { readFile } from 'node:fs/promises';
import { FatalError } from '../errors.js';
import { RunConfig } from './schema.js';

type Json = Record<string, unknown>;

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge where `over` wins; undefined values in `over` leave `base` alone. */
function mergeConfig(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? mergeConfig(out[key] as Json, value) : value;
  }
  return out;
}

async function readConfigFile(file: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new FatalError(`Cannot read the config file ${file}: ${(e as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isPlainObject(parsed)) throw new Error('the top level must be a JSON object');
    return parsed;
  } catch (e) {
    throw new FatalError(`The config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Validates a merged config, turning zod's issues into one readable sentence per field. */
function parseConfig(raw: Json): RunConfig {
  const result = RunConfig.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
  throw new FatalError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
}

export async function loadConfig(file: string | undefined, flags: Json): Promise<RunConfig> {
  const fromFile = file ? await readConfigFile(file) : {};
  return parseConfig(mergeConfig(fromFile, flags));
}
