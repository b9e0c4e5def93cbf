/**
 * Asking an http(s) origin whether a file is still there, without downloading it: a HEAD request,
 * then a ranged GET of one byte when HEAD gets anything but a success (405, or an answer a GET may
 * not share, such as a URL signed for GET only). Redirects are followed; no body is read.
 * Retries and host politeness are the caller's (fetch/index.ts withRetries).
 */
import { httpStatusError } from './failure.js';
import {
  checkedUrl, contentLength, flattenHeaders, headerLines, MAX_REDIRECTS, open, parseContentRange, REDIRECT_STATUSES,
  requestHeaders, tooManyRedirects, type HttpOptions,
} from './http.js';

export interface HttpAnswer {
  /** 2xx, 404 or 410: the statuses that settle a check (others are thrown as FetchErrors). */
  status: number;
  finalUrl: string;
  /** Lower-cased names; a header sent on several lines joined into one value. */
  headers: Record<string, string>;
  /** Each header's lines as sent (what X-Robots-Tag needs). */
  lines: Record<string, string[]>;
  /** The file's size when the answer states it: Content-Length of a full answer, the total of a Content-Range. */
  size?: number;
}

type CheckOptions = Pick<HttpOptions, 'timeoutSec' | 'userAgent' | 'signal' | 'allowPrivateNetwork'>;

const isSuccess = (status: number): boolean => status >= 200 && status < 300;
const isGone = (status: number): boolean => status === 404 || status === 410;

/** HEAD, then one ranged GET if HEAD did not succeed; throws for an answer that settles nothing (5xx, 429, 403). */
export async function askHttp(url: string, opts: CheckOptions): Promise<HttpAnswer> {
  const head = await request(url, 'HEAD', opts);
  if (isSuccess(head.status)) return head;
  // "Slow down" is about the host, not the method: the retry loop waits it out.
  if (head.status === 429 || head.status === 503) throw httpStatusError(head.status, head.headers['retry-after']);
  const get = await request(url, 'GET', opts);
  if (isSuccess(get.status) || isGone(get.status)) return get;
  throw httpStatusError(get.status, get.headers['retry-after']);
}

async function request(url: string, method: 'HEAD' | 'GET', opts: CheckOptions): Promise<HttpAnswer> {
  let current = checkedUrl(url, opts);
  for (let redirects = 0; ; redirects++) {
    const headers = requestHeaders(opts.userAgent, 0);
    if (method === 'GET') headers.range = 'bytes=0-0';
    const { res } = await open(current, headers, opts, { method });
    // Only the status and headers matter; a server that ignores Range must not send us the file.
    res.destroy();
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (REDIRECT_STATUSES.has(status) && location) {
      if (redirects >= MAX_REDIRECTS) throw tooManyRedirects();
      current = checkedUrl(new URL(location, current).href, opts);
      continue;
    }
    const flat = flattenHeaders(res.headers);
    const size = status === 206 ? parseContentRange(flat['content-range'])?.total : contentLength(flat);
    return { status, finalUrl: current, headers: flat, lines: headerLines(res), size };
  }
}
