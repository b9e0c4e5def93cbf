/**
 * Bounds one download attempt in time: the idle timeout alone lets a server trickle one byte a
 * second and hold a source for hours. The guard gives up (a transient failure, retried later) when
 *  - the attempt runs past its deadline: `deadlineSec` plus one second per `deadlineBytesPerSec`
 *    bytes of the announced size (a big file is given the time it needs), or
 *  - the body arrives slower than `minRateBytesPerSec` over any `minRateWindowSec` seconds.
 */
import { ErrorCode } from '../errors.js';
import { FetchError } from './failure.js';

export interface TransferLimits {
  deadlineSec: number;
  deadlineBytesPerSec: number;
  minRateBytesPerSec: number;
  minRateWindowSec: number;
}

const TICK_MS = 1000;

export class TransferGuard {
  private readonly startedAt = Date.now();
  private expectedBytes = 0;
  private bytes = 0;
  /** Bytes received at each tick since the body started; the window looks back over it. */
  private history: number[] | undefined;
  private readonly timer: NodeJS.Timeout;
  private cut: ((err: FetchError) => void) | undefined;
  failure: FetchError | undefined;

  constructor(private readonly limits: TransferLimits) {
    this.timer = setInterval(() => this.check(), TICK_MS);
    this.timer.unref();
  }

  /** What to destroy when the guard gives up (the request in flight). */
  watch(cut: (err: FetchError) => void): void {
    this.cut = cut;
  }

  /** The body starts, with its announced size when known: the rate window opens. */
  bodyStarts(totalBytes: number | undefined): void {
    this.expectedBytes = totalBytes ?? 0;
    this.history = [this.bytes];
  }

  received(n: number): void {
    this.bytes += n;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    if (this.failure) return;
    const { deadlineSec, deadlineBytesPerSec, minRateBytesPerSec, minRateWindowSec } = this.limits;
    const allowedSec = deadlineSec + this.expectedBytes / deadlineBytesPerSec;
    if (Date.now() - this.startedAt > allowedSec * 1000) {
      return this.fail(new FetchError(ErrorCode.Timeout, `The download did not finish within its ${Math.round(allowedSec)} s deadline (fetch.deadlineSec).`, true));
    }
    if (!this.history) return;
    this.history.push(this.bytes);
    const windowTicks = Math.max(1, Math.round((minRateWindowSec * 1000) / TICK_MS));
    if (this.history.length <= windowTicks) return;
    const inWindow = this.bytes - this.history.shift()!;
    if (inWindow < minRateBytesPerSec * minRateWindowSec) {
      this.fail(new FetchError(
        ErrorCode.TooSlow,
        `The download was slower than ${minRateBytesPerSec} bytes/s over ${minRateWindowSec} s (${inWindow} bytes); given up for now.`,
        true,
      ));
    }
  }

  private fail(err: FetchError): void {
    this.failure = err;
    this.cut?.(err);
  }
}
