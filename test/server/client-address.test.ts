import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Handler } from '../../src/server/context.js';
import { clientAddress, effectiveProtocol } from '../../src/server/http/client-address.js';
import { sendJson } from '../../src/server/http/respond.js';
import { ROUTES } from '../../src/server/routes.js';
import { get, startHarness } from './support.js';

const whoami: Handler = async (req) => {
  sendJson(req.res, 200, { address: req.clientAddress, protocol: req.protocol });
};
const routes = [
  ...ROUTES,
  { method: 'GET' as const, path: '/whoami', kind: 'json' as const, handler: whoami },
];

async function ask(trustProxy: boolean, headers: Record<string, string>) {
  const h = await startHarness({ config: { trustProxy }, listener: { routes } });
  return JSON.parse((await get(`${h.url}/whoami`, headers)).text) as { address: string; protocol: string };
}

function fake(peer: string, headers: Record<string, string>): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers } as unknown as IncomingMessage;
}

describe('client address over HTTP', () => {
  it('ignores forwarding headers unless trustProxy', async () => {
    const headers = {
      'x-forwarded-for': '203.0.113.7',
      forwarded: 'for=198.51.100.1;proto=https',
      'x-forwarded-proto': 'https',
    };
    expect(await ask(false, headers)).toEqual({ address: '127.0.0.1', protocol: 'http' });
    expect(await ask(true, headers)).toEqual({ address: '203.0.113.7', protocol: 'https' });
  });

  it('takes the rightmost untrusted X-Forwarded-For entry', async () => {
    // The client wrote 1.2.3.4 itself; the edge appended the real 203.0.113.7; a local proxy appended 10.0.0.2.
    expect((await ask(true, { 'x-forwarded-for': '1.2.3.4, 203.0.113.7, 10.0.0.2' })).address).toBe(
      '203.0.113.7',
    );
  });

  it('uses Forwarded (RFC 7239) only without X-Forwarded-For', async () => {
    expect(
      (await ask(true, { forwarded: 'for=192.0.2.60;proto=https, for="[2001:db8::1]:4711"' })).address,
    ).toBe('2001:db8::1');
    expect((await ask(true, { forwarded: 'for=192.0.2.60', 'x-forwarded-for': '203.0.113.7' })).address).toBe(
      '203.0.113.7',
    );
  });
});

describe('proxy warning', () => {
  it('warns once when forwarded requests arrive but trustProxy is off', async () => {
    const h = await startHarness();
    await get(`${h.url}/health`, { 'x-forwarded-for': '203.0.113.7' });
    await get(`${h.url}/health`, { 'x-forwarded-for': '203.0.113.7' });
    expect(h.logs().filter((r) => r.level === 'warn' && String(r.msg).includes('trustProxy'))).toHaveLength(
      1,
    );
  });
});

describe('clientAddress', () => {
  const trust = { trustProxy: true };

  it('ignores headers from a public peer (the request bypassed the proxy)', () => {
    expect(clientAddress(fake('198.51.100.9', { 'x-forwarded-for': '203.0.113.7' }), trust)).toBe(
      '198.51.100.9',
    );
  });

  it('stops at an entry that is not an address', () => {
    expect(
      clientAddress(fake('127.0.0.1', { 'x-forwarded-for': '203.0.113.7, junk, 10.1.1.1' }), trust),
    ).toBe('10.1.1.1');
  });

  it('takes the leftmost when every hop is private (a LAN client)', () => {
    expect(clientAddress(fake('::1', { 'x-forwarded-for': '192.168.1.20, 172.17.0.1' }), trust)).toBe(
      '192.168.1.20',
    );
  });

  it('normalises IPv4-mapped IPv6 and ports', () => {
    expect(clientAddress(fake('::ffff:127.0.0.1', {}), { trustProxy: false })).toBe('127.0.0.1');
    expect(clientAddress(fake('127.0.0.1', { 'x-forwarded-for': '203.0.113.7:5555' }), trust)).toBe(
      '203.0.113.7',
    );
  });

  it('reads the protocol from a trusted proxy only', () => {
    expect(effectiveProtocol(fake('127.0.0.1', { 'x-forwarded-proto': 'https' }), trust)).toBe('https');
    expect(effectiveProtocol(fake('198.51.100.9', { 'x-forwarded-proto': 'https' }), trust)).toBe('http');
    expect(
      effectiveProtocol(fake('127.0.0.1', { 'x-forwarded-proto': 'https' }), { trustProxy: false }),
    ).toBe('http');
  });
});
