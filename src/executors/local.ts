/**
 * The embedded executor: runs per-source tasks in this process with bounded concurrency. It pulls
 * from the source stream only as workers free up, so a manifest of millions of rows never sits in memory.
 */
export async function runPool<T>(
  items: AsyncIterable<T>,
  concurrency: number,
  task: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  // Pulls are chained so two workers never call next() at the same time.
  let pulling: Promise<IteratorResult<T>> = Promise.resolve({ done: false, value: undefined as T });
  const next = (): Promise<IteratorResult<T>> => (pulling = pulling.then(() => iterator.next()));
  const worker = async (): Promise<void> => {
    while (!signal?.aborted) {
      const r = await next();
      if (r.done) return;
      await task(r.value);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } finally {
    await iterator.return?.();
  }
}
