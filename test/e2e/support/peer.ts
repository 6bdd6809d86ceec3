/**
 * HTTP peers on loopback. Each peer connects from its own address in
 * 127.0.0.0/8, so the listener sees it as a different client: its rate limits
 * and its wrong-pairing-code counter (both keyed on the client address) are
 * its own, and one test's budget never leaks into another's.
 */
import { Agent, fetch as undiciFetch } from 'undici';

/** The fetch signature oauth4webapi's `customFetch` expects, and what the tests call directly. */
export type PeerFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface Peer {
  /** The source address the listener sees. */
  readonly address: string;
  readonly fetch: PeerFetch;
  close(): Promise<void>;
}

let count = 0;
const open: Peer[] = [];

/** A peer on the next unused loopback address (127.0.0.2, .3, …, 127.0.1.2, …; unique within a test file). */
export function newPeer(): Peer {
  const n = count++;
  if (n >= 250 * 256) throw new Error('out of loopback addresses for test peers');
  const address = `127.0.${Math.floor(n / 250)}.${2 + (n % 250)}`;
  const agent = new Agent({ localAddress: address });
  const peer: Peer = {
    address,
    // undici's Response is the same class Node's fetch exposes; only the type declarations differ.
    fetch: ((url: string | URL, init?: RequestInit) =>
      undiciFetch(url, { ...(init as object), dispatcher: agent })) as unknown as PeerFetch,
    close: () => agent.close(),
  };
  open.push(peer);
  return peer;
}

export async function closePeers(): Promise<void> {
  await Promise.all(open.splice(0).map((p) => p.close()));
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body as JSON, or undefined when it is not JSON. */
  readonly json: Record<string, unknown> | undefined;
}

/** A request whose whole answer is read; redirects are never followed. */
export async function send(
  peer: Peer,
  url: string | URL,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const res = await peer.fetch(url, { ...init, redirect: 'manual' });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * POST a form. `body` is pairs, not an object, so a test can send a
 * parameter twice; the content type is the OAuth one unless overridden.
 */
export function postForm(
  peer: Peer,
  url: string | URL,
  body: ReadonlyArray<readonly [string, string]> | string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const text = typeof body === 'string' ? body : new URLSearchParams(body as [string, string][]).toString();
  return send(peer, url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: text,
  });
}

/** `Basic base64(urlencode(id):urlencode(secret))`, RFC 6749 §2.3.1. */
export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}
