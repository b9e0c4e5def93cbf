/** Memory and time figures of the benchmark process. */
import { readFileSync } from 'node:fs';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Peak resident memory of this process so far (VmHWM), and resident memory now. */
export function memory(): { peak: string; now: string; peakBytes: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? process.resourceUsage().maxRSS);
  return { peak: mib(peakKiB * 1024), now: mib(process.memoryUsage().rss), peakBytes: peakKiB * 1024 };
}

export const seconds = (since: number) => (performance.now() - since) / 1000;

/** Clip counts at which figures are printed: 1, 2, 5 x 10^k from `from` up to `to`, every `every` beyond 10 M, and `to`. */
export function checkpoints(from: number, to: number, every = 0): number[] {
  const out = new Set<number>();
  for (let p = 1; p <= to; p *= 10) for (const m of [1, 2, 5]) if (m * p >= from && m * p < to) out.add(m * p);
  if (every > 0) for (let n = 10_000_000; n < to; n += every) if (n >= from) out.add(n);
  return [...[...out].sort((a, b) => a - b), to];
}

export const count = (n: number) => (n >= 1e6 ? `${n / 1e6} M` : n >= 1e3 ? `${n / 1e3} k` : String(n));
