/**
 * Checks a queue's Redis once, before a command relies on it: an unreachable, silent or refusing
 * server is a clear FatalError (exit 2) within seconds, instead of clients that retry for ever,
 * hang on a wrong password or print a stack trace. Messages name the server without its password.
 */
import { Redis } from 'ioredis';
import { FatalError } from '../errors.js';
import { redisOptions } from './redis.js';

const CHECK_TIMEOUT_MS = 10_000;

/** The URL with its password (if any) replaced by ***, for messages and logs. */
export function redactUrl(queueUrl: string): string {
  try {
    const url = new URL(queueUrl);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return queueUrl.replace(/\/\/([^@/]*)@/, '//***@');
  }
}

/** Resolves once Redis answers PING; rejects with a FatalError (or `signal`'s reason when it aborts). */
export async function checkRedis(queueUrl: string, signal?: AbortSignal): Promise<void> {
  const redis = new Redis({ ...redisOptions(queueUrl), lazyConnect: true, connectTimeout: CHECK_TIMEOUT_MS, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  // The client's own error (ECONNREFUSED, NOAUTH, WRONGPASS) says more than "Connection is closed".
  let cause: Error | undefined;
  redis.on('error', (err: Error) => (cause ??= err));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS);
  });
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([redis.connect().then(() => redis.ping()), deadline, aborted]);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw redisFailure(queueUrl, cause ?? (err as Error));
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    redis.disconnect();
  }
}

function redisFailure(queueUrl: string, err: Error): FatalError {
  const where = redactUrl(queueUrl);
  const text = err.message ?? String(err);
  if (/NOAUTH/.test(text)) {
    return new FatalError(`Redis at ${where} asks for a password; put it in the URL (redis://:PASSWORD@host:6379, or redis://USER:PASSWORD@host for an ACL user).`);
  }
  if (/WRONGPASS|invalid (username-)?password|invalid password/i.test(text)) {
    return new FatalError(`Redis at ${where} refused the user name or password in the URL.`);
  }
  if (/NOPERM/.test(text)) return new FatalError(`Redis at ${where} does not let this user run the commands clipmill needs (${scrub(text, queueUrl)}).`);
  return new FatalError(`Cannot reach Redis at ${where} (${scrub(text, queueUrl)}); check the host and port, and that redis-server is running.`);
}

/** An error text with the URL's password taken out, should a client library have echoed it. */
function scrub(text: string, queueUrl: string): string {
  const password = (() => {
    try {
      return decodeURIComponent(new URL(queueUrl).password);
    } catch {
      return '';
    }
  })();
  return password ? text.split(password).join('***') : text;
}
