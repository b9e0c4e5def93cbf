/**
 * Per-host politeness: how many downloads may run at once against one host, how often a new one may
 * start, and a host-wide pause when the host says "slow down" (429/503, bot checks). `HostGate` is
 * the seam: `LocalHostGate` serves one process; a shared store (e.g. Redis) can implement the same
 * interface for many workers.
 */
import type { FetchConfig } from '../config/schema.js';

/** Gives back a slot taken by `acquire`. Calling it more than once has no further effect. */
export type Release = () => void;

export interface HostGate {
  /** Waits until the host is not paused, has a free slot and its rate allows a request; then takes the slot. */
  acquire(host: string, signal?: AbortSignal): Promise<Release>;
  /** Pauses every request to `host` until `untilMs` (epoch ms). A shorter pause never shortens a longer one. */
  penalize(host: string, untilMs: number): Promise<void>;
  /** Epoch ms until which the host is paused (0 or a past time when it is not). */
  pausedUntil(host: string): Promise<number>;
}

export interface HostLimits {
  /** Requests in flight per host. */
  concurrency: number;
  /** Request starts per second per host; 0 = unlimited. */
  rps: number;
}

interface Waiter {
  grant: (release: Release) => void;
}

interface HostState {
  active: number;
  queue: Waiter[];
  /** Token bucket of capacity one: the earliest time the next request may start. */
  nextStartAt: number;
  pausedUntil: number;
  timer?: NodeJS.Timeout;
}

/** An in-process HostGate: first come, first served per host. */
export class LocalHostGate implements HostGate {
  private readonly hosts = new Map<string, HostState>();

  constructor(private readonly limits: HostLimits) {}

  acquire(host: string, signal?: AbortSignal): Promise<Release> {
    signal?.throwIfAborted();
    const state = this.state(host);
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        state.queue = state.queue.filter((w) => w !== waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      state.queue.push(waiter);
      this.pump(host);
    });
  }

  async penalize(host: string, untilMs: number): Promise<void> {
    const state = this.state(host);
    if (untilMs <= state.pausedUntil) return;
    state.pausedUntil = untilMs;
    this.reschedule(host);
  }

  async pausedUntil(host: string): Promise<number> {
    return this.hosts.get(host)?.pausedUntil ?? 0;
  }

  private state(host: string): HostState {
    let state = this.hosts.get(host);
    if (!state) {
      state = { active: 0, queue: [], nextStartAt: 0, pausedUntil: 0 };
      this.hosts.set(host, state);
    }
    return state;
  }

  /** Lets waiters in while the host allows it; otherwise sleeps until it might. */
  private pump(host: string): void {
    const state = this.hosts.get(host);
    if (!state || state.timer) return;
    while (state.queue.length > 0 && state.active < this.limits.concurrency) {
      const now = Date.now();
      const readyAt = Math.max(state.pausedUntil, state.nextStartAt);
      if (readyAt > now) {
        state.timer = setTimeout(() => {
          state.timer = undefined;
          this.pump(host);
        }, readyAt - now);
        return;
      }
      const waiter = state.queue.shift()!;
      state.active++;
      state.nextStartAt = this.limits.rps > 0 ? now + 1000 / this.limits.rps : 0;
      waiter.grant(this.releaser(host, state));
    }
    this.forgetIfIdle(host, state);
  }

  private reschedule(host: string): void {
    const state = this.hosts.get(host);
    if (state?.timer) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    this.pump(host);
  }

  private releaser(host: string, state: HostState): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      state.active--;
      this.pump(host);
    };
  }

  /** Drops the bookkeeping of a host with nothing pending, so a run over millions of hosts stays small. */
  private forgetIfIdle(host: string, state: HostState): void {
    const now = Date.now();
    if (state.active === 0 && state.queue.length === 0 && state.pausedUntil <= now && state.nextStartAt <= now) {
      this.hosts.delete(host);
    }
  }
}

/** The in-process gate with the limits of a run's fetch config. */
export function createHostGate(cfg: FetchConfig): HostGate {
  return new LocalHostGate({ concurrency: cfg.perHostConcurrency, rps: cfg.perHostRps });
}

/** The host key of local files, which have no URL (stats.json groups sources by host). */
export const LOCAL_HOST = 'local';

/** The politeness key of a URL: its host and port, lower-cased. */
export function hostOf(url: string): string {
  return new URL(url).host.toLowerCase();
}

/** The host a source's requests went to (`local` for files, `invalid` for a URI that does not parse), for per-host totals. */
export function hostOfRecord(source: { kind: string; uri: string }): string {
  if (source.kind === 'file') return LOCAL_HOST;
  try {
    return hostOf(source.uri);
  } catch {
    return 'invalid';
  }
}
