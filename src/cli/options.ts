/** Option parsers that fail with a message naming the option, and options shared by several commands. */
import { InvalidArgumentError, Option } from 'commander';

export function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`"${value}" is not a number.`);
  return n;
}

export function integer(value: string): number {
  const n = number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${value}" is not a whole number.`);
  return n;
}

/** `--hwaccel cuda`: decode on an NVIDIA GPU (NVDEC); CPU decoding is the default. */
export function hwaccelOption(): Option {
  return new Option('--hwaccel <api>', 'decode on the GPU (NVDEC); CPU is the default').choices(['cuda']);
}

/** `--s3-endpoint <url>`: an S3-compatible server for s3:// inputs and outputs (AWS when absent). */
export function s3EndpointOption(): Option {
  return new Option('--s3-endpoint <url>', 'S3-compatible server for s3:// inputs and --out (default: AWS, or AWS_ENDPOINT_URL_S3)');
}

/** `--allow-local <dir>`, repeatable: folders whose files manifests (or queued jobs) may name. */
export function allowLocalOption(): Option {
  return new Option('--allow-local <dir>', 'read local files named by manifests only under this folder (repeatable; folders and files given as inputs are always allowed)')
    .argParser((dir: string, previous: string[] | undefined) => [...(previous ?? []), dir]);
}

/** `--allow-private-network`: fetch from private, loopback, link-local and multicast addresses too. */
export function allowPrivateNetworkOption(): Option {
  return new Option('--allow-private-network', 'fetch from private, loopback, link-local and multicast addresses too (refused by default: they reach internal services)');
}
