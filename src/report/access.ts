/**
 * Who may read the dashboard. On a loopback address anyone on this machine may (and the Host
 * header must name a loopback host, so a web page elsewhere cannot reach it through DNS
 * rebinding). On any other address every request needs the token printed at start, given as
 * `?token=`, as `Authorization: Bearer <token>`, or as the cookie set when the page was opened
 * with the token.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';

export const TOKEN_COOKIE = 'clipmill_token';

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  return bare === '::1';
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
    if (isLoopback(hostName(req.headers.host ?? ''))) return true;
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
