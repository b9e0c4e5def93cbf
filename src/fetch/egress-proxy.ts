/**
 * A forward proxy on 127.0.0.1 for a tool that makes its own connections (yt-dlp): given as its
 * `--proxy`, it sees every connection the tool opens (the page, each redirect it follows, formats,
 * fragments, the ffmpeg yt-dlp starts for http) and refuses those whose address, as resolved at
 * connect time, the address policy does not allow. Plain http requests are forwarded; https goes
 * through CONNECT tunnels (the proxy never sees inside them, only the host and port). This guards
 * our own network, it does not hide us: requests leave from this machine with our user agent.
 */
import dns from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { isPublicAddress } from './address-policy.js';

export interface Refusal {
  host: string;
  address: string;
}

export interface EgressProxy {
  /** `http://127.0.0.1:<port>`, for the tool's proxy option. */
  url: string;
  /** Connections refused so far, in order. */
  readonly refusals: readonly Refusal[];
  close(): Promise<void>;
}

/** The first address of `host` when every address it resolves to is allowed; the offending one otherwise. */
async function resolveAllowed(host: string, allowed: (address: string) => boolean): Promise<{ address: string; refused: boolean }> {
  const bare = host.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(bare) ? [bare] : (await dns.promises.lookup(bare, { all: true })).map((a) => a.address);
  const inner = addresses.find((a) => !allowed(a));
  return inner ? { address: inner, refused: true } : { address: addresses[0]!, refused: false };
}

const HOP_HEADERS = new Set(['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive']);

/** yt-dlp's options to go through the guard (it hands the proxy on to the ffmpeg it starts, for https too). */
export const throughGuard = (guard: EgressProxy): string[] => ['--proxy', guard.url];

export async function startEgressProxy(allowed: (address: string) => boolean = isPublicAddress): Promise<EgressProxy> {
  const refusals: Refusal[] = [];
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  /** Resolves and checks `host`; undefined (and the refusal noted) when it may not be reached. */
  const admit = async (host: string): Promise<string | undefined> => {
    const { address, refused } = await resolveAllowed(host, allowed);
    if (!refused) return address;
    refusals.push({ host, address });
    return undefined;
  };

  const server = http.createServer((req, res) => {
    const target = URL.canParse(req.url ?? '') ? new URL(req.url!) : undefined;
    if (!target || target.protocol !== 'http:') return void res.writeHead(400).end('absolute http:// URLs only\n');
    admit(target.hostname).then(
      (address) => {
        if (!address) return void res.writeHead(403).end(`clipmill refuses to connect to ${target.hostname}\n`);
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP_HEADERS.has(k)));
        const upstream = http.request({ host: address, port: target.port || 80, method: req.method, path: target.pathname + target.search, headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
      },
      () => res.writeHead(502).end(`cannot resolve ${target.hostname}\n`),
    );
  });
  server.on('connection', track);
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const at = (req.url ?? '').lastIndexOf(':');
    const host = at > 0 ? req.url!.slice(0, at) : '';
    const port = Number(at > 0 ? req.url!.slice(at + 1) : NaN);
    client.on('error', () => client.destroy());
    if (!host || !Number.isInteger(port)) return void client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    admit(host).then(
      (address) => {
        if (!address) return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        const upstream = net.connect({ host: address, port }, () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length > 0) upstream.write(head);
          upstream.pipe(client);
          client.pipe(upstream);
        });
        track(upstream);
        upstream.on('error', () => client.destroy());
      },
      () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refusals,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
