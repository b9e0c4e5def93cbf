/**
 * Who may read the dashboard. Bound to 127.0.0.1, ::1 or localhost, anyone on this machine may
 * (and the Host header must name a loopback host, so a web page elsewhere cannot reach it through
 * DNS rebinding). On any other address (127.0.0.2 included, which other local users or containers
 * may share) every request needs the token printed at start, given as
 * `?token=`, as `Authorization: Bearer <token>`, or as the cookie set when the page was opened
 * with the token.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';

export const TOKEN_COOKIE = 'clipmill_token';

const bare = (host: string): string => host.replace(/^\[|\]$/g, '');

/** The addresses served without a token. */
export const isDefaultLoopback = (host: string): boolean => ['127.0.0.1', '::1', 'localhost'].includes(bare(host));

/** A Host header naming this machine's loopback (any 127.x address, ::1, localhost). */
function isLoopbackName(host: string): boolean {
  const name = bare(host);
  return name === 'localhost' || name === '::1' || (net.isIPv4(name) && name.startsWith('127.'));
}

export const newToken = (): string => randomBytes(24).toString('base64url');

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** The host name of a Host header, without its port. */
const hostName = (header: string): string => (header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0]!);

/**
 * Returns true when the request may be answered; otherwise answers it (401/403, no content) and
 * returns false. A valid `?token=` also sets the cookie, so the page's own requests carry it.
 */
export function admit(req: IncomingMessage, res: ServerResponse, url: URL, token: string | undefined): boolean {
  if (!token) {
    if (isLoopbackName(hostName(req.headers.host ?? ''))) return true;
    res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden: this dashboard answers only to a loopback Host\n');
    return false;
  }
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const fromQuery = url.searchParams.get('token') ?? undefined;
  if (sameToken(fromQuery, token)) {
    res.setHeader('set-cookie', `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    return true;
  }
  if (sameToken(bearer, token) || sameToken(cookie(req, TOKEN_COOKIE), token)) return true;
  res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('unauthorized: open the URL with the token printed by clipmill serve\n');
  return false;
}
