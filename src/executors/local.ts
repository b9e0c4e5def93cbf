/**
 * The embedded executor: runs per-source tasks in this process with bounded concurrency. It pulls
 * from the source stream only as workers free up, so a manifest of millions of rows never sits in memory.
 * When a task throws (a fatal problem such as a full disk), the others are aborted through the
 * signal they get, and the first error is rethrown once they have stopped.
 */
export async function runPool<T>(
  items: AsyncIterable<T>,
  concurrency: number,
  task: (item: T, signal: AbortSignal) => Promise<void>,
  outer?: AbortSignal,
): Promise<void> {
  const controller = new AbortController();
  const signal = outer ? AbortSignal.any([outer, controller.signal]) : controller.signal;
  const iterator = items[Symbol.asyncIterator]();
  // Pulls are chained so two workers never call next() at the same time.
  let pulling: Promise<IteratorResult<T>> = Promise.resolve({ done: false, value: undefined as T });
  const next = (): Promise<IteratorResult<T>> => (pulling = pulling.then(() => iterator.next()));
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!signal.aborted) {
      const r = await next();
      if (r.done || signal.aborted) return;
      try {
        await task(r.value, signal);
      } catch (error) {
        failure ??= { error };
        controller.abort(error);
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } finally {
    await iterator.return?.();
  }
  if (failure) throw failure.error;
}
