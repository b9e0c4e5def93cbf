/**
 * Which network addresses a download may connect to. A manifest URL (or a redirect from a public
 * one) may point at a private, loopback, link-local or multicast address: the machine's own
 * services, the LAN, a cloud instance-metadata service. Those are refused unless the user passes
 * --allow-private-network. The check runs on the address a connection is actually made to (a DNS
 * lookup hook for names, the URL itself for IP literals), so a name that resolves to a public
 * address once and a private one later (DNS rebinding) is still refused.
 */
import dns, { type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import net, { BlockList } from 'node:net';
import { ErrorCode } from '../errors.js';
import { FetchError } from './failure.js';

const blocked = new BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [
  ['::', 128], ['::1', 128], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) blocked.addSubnet(prefix, bits, 'ipv6');

/** An IPv4 address carried inside an IPv6 one (::ffff:a.b.c.d mapped, 64:ff9b::/96 NAT64), else undefined. */
function embeddedIpv4(address: string): string | undefined {
  const m = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!m) return undefined;
  if (m[1]) return m[1];
  const hi = parseInt(m[2]!, 16);
  const lo = parseInt(m[3]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** True for an address on the public internet; false for private, loopback, link-local, multicast and reserved ones. */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) return isPublicAddress(v4);
    return !blocked.check(address, 'ipv6');
  }
  return !blocked.check(address, 'ipv4');
}

export function privateAddressError(host: string, address: string): FetchError {
  const via = host === address ? '' : ` (${host} resolves to it)`;
  return new FetchError(
    ErrorCode.RefusedPrivateAddress,
    `The address ${address}${via} is private, loopback, link-local or multicast; clipmill does not fetch from internal networks unless run with --allow-private-network.`,
    false,
  );
}

/** Refuses a URL whose host is an IP literal that is not public (names are checked when they resolve). */
export function checkLiteralHost(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) && !isPublicAddress(host)) throw privateAddressError(host, host);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that resolves as usual and fails the connection when any
 * address the name resolves to is not public.
 */
export function publicOnlyLookup(hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const inner = addresses.find((a) => !isPublicAddress(a.address));
    if (inner) return callback(privateAddressError(hostname, inner.address) as unknown as NodeJS.ErrnoException, []);
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}

/** Refuses a host whose name or address is not public, before a tool we cannot hook (yt-dlp) connects to it. */
export async function checkHostResolvesPublic(url: string): Promise<void> {
  const parsed = new URL(url);
  checkLiteralHost(parsed);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) return;
  const addresses = await dns.promises.lookup(host, { all: true }).catch(() => []);
  const inner = addresses.find((a) => !isPublicAddress(a.address));
  if (inner) throw privateAddressError(host, inner.address);
}
