/** Builds the tests' tiny ONNX image encoder (tiny-encoder.py) with Debian's python3-onnx. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

export async function tinyEncoder(out: string): Promise<string> {
  await exec('/usr/bin/python3', [path.join(here, 'tiny-encoder.py'), out]);
  return out;
}
