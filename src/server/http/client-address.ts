/**
 * Who is asking: the address rate limits and the audit trail are keyed on.
 *
 * Without `config.trustProxy` the answer is the socket peer, full stop: a
 * listener reachable directly must not let a client name its own address.
 *
 * With `trustProxy`, forwarding headers are read with the rightmost-untrusted
 * rule. The chain is `X-Forwarded-For` (each proxy appends the address it
 * saw) followed by the socket peer. Walking it from the right, loopback and
 * private addresses are proxy hops of the owner's own set-up (a tunnel daemon
 * on the host, a proxy container on a Docker network) and are skipped; the
 * first public address is the client. Everything to its left was written by
 * the client itself and is ignored, so an internet client cannot choose its
 * address. If the socket peer itself is public, the request bypassed the
 * proxy and its headers are ignored. Limits of the rule (documented trade-off):
 * a client inside the private network can choose its address; and if every
 * hop is private (a LAN client), the leftmost entry is taken.
 *
 * `X-Forwarded-For` is preferred over RFC 7239 `Forwarded` because every
 * common proxy and tunnel (nginx, Caddy, Traefik, cloudflared) sets it; a
 * proxy that manages one header passes a client's copy of the other through,
 * so only one may be believed. `Forwarded` is used only when XFF is absent.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Config } from '../../config/config.js';

const proxyHops = new BlockList();
for (const [net, prefix] of [
  ['127.0.0.0', 8],
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['169.254.0.0', 16],
  ['100.64.0.0', 10], // carrier-grade NAT; also Tailscale's range
] as const) {
  proxyHops.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link local
] as const) {
  proxyHops.addSubnet(net, prefix, 'ipv6');
}

type Proxied = Pick<Config, 'trustProxy'>;

/** A connection's peer, normalised once: a keep-alive connection carries many requests. */
const peers = new WeakMap<object, string | null>();

function socketPeer(req: IncomingMessage): string | null {
  let peer = peers.get(req.socket);
  if (peer === undefined) {
    peer = normaliseAddress(req.socket.remoteAddress ?? '');
    peers.set(req.socket, peer);
  }
  return peer;
}

export function clientAddress(req: IncomingMessage, config: Proxied): string {
  const peer = socketPeer(req) ?? 'unknown';
  if (!config.trustProxy || !isProxyHop(peer)) return peer;
  const forwarded = forwardedChain(req);
  let client = peer;
  for (let i = forwarded.length - 1; i >= 0; i--) {
    const hop = forwarded[i];
    if (hop === null) break; // unparseable: nothing further left can be trusted
    client = hop;
    if (!isProxyHop(hop)) break;
  }
  return client;
}

/** https when the socket is TLS, or when a trusted proxy says the client used https. */
export function effectiveProtocol(req: IncomingMessage, config: Proxied): 'http' | 'https' {
  if ((req.socket as TLSSocket).encrypted) return 'https';
  if (!config.trustProxy) return 'http';
  const peer = socketPeer(req);
  if (peer === null || !isProxyHop(peer)) return 'http';
  // The leftmost value is the scheme the browser used (the edge proxy sets it;
  // inner proxies append their own, usually http). Only cookie flags and the
  // log depend on it, never an access decision.
  const xfp = header(req, 'x-forwarded-proto');
  const proto = xfp !== undefined ? xfp.split(',')[0] : forwardedParams(req)[0]?.get('proto');
  return proto?.trim().toLowerCase() === 'https' ? 'https' : 'http';
}

/** The forwarded addresses, leftmost first; null marks an entry that is not an IP address. */
function forwardedChain(req: IncomingMessage): Array<string | null> {
  const xff = header(req, 'x-forwarded-for');
  if (xff !== undefined) return xff.split(',').map((s) => normaliseAddress(stripPort(s.trim())));
  return forwardedParams(req).map((p) => {
    const value = p.get('for');
    return value === undefined ? null : normaliseAddress(stripPort(value));
  });
}

/** RFC 7239 elements as maps of lower-cased parameter names to unquoted values. */
function forwardedParams(req: IncomingMessage): Array<Map<string, string>> {
  const value = header(req, 'forwarded');
  if (value === undefined) return [];
  return value.split(',').map((element) => {
    const params = new Map<string, string>();
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      params.set(
        pair.slice(0, eq).trim().toLowerCase(),
        pair
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1'),
      );
    }
    return params;
  });
}

/** Node joins repeated X-Forwarded-For headers with ", "; `Forwarded` arrives as one string too. */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** `[2001:db8::1]:4711` → `2001:db8::1`; `192.0.2.1:80` → `192.0.2.1`. */
function stripPort(value: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) return bracketed[1] as string;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(value);
  return v4 ? (v4[1] as string) : value;
}

/** A canonical address, or null if `value` is not one. IPv4-mapped IPv6 becomes plain IPv4. */
export function normaliseAddress(value: string): string | null {
  const noZone = value.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(noZone);
  const address = mapped ? (mapped[1] as string) : noZone;
  return isIP(address) ? address : null;
}

function isProxyHop(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return proxyHops.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
