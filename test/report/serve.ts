/** `clipmill serve` as a child process, the way a user starts it; resolves once it prints its URL. */
import type { ChildProcess } from 'node:child_process';
import { startCli } from '../helpers/cli.js';

export interface Served {
  /** The URL as printed (with ?token= when a token is required). */
  url: string;
  /** The URL without the token. */
  base: string;
  token?: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startServe(args: string[]): Promise<Served> {
  const { child, done } = startCli(['serve', ...args]);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^dashboard of .*: (http:\/\/\S+)\n/m.exec(out);
      if (m) resolve(m[1]!);
    });
    done.then((r) => reject(new Error(`clipmill serve exited ${r.code}: ${r.stderr}`)));
  });
  const token = /[?&]token=([^&\s]+)/.exec(url)?.[1];
  return {
    url,
    base: url.replace(/\?.*$/, ''),
    token,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await done;
    },
  };
}
