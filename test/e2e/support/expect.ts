/** Assertions on the listener's refusals, shared by the negative suites. */
import { expect } from 'vitest';
import { TOKEN_PATTERN } from '../../../src/crypto/random-token.js';
import type { RawResponse } from './peer.js';

/** An error shown as a page: the status, HTML, never a redirect (RFC 6749 §4.1.2.1). */
export function expectErrorPage(res: RawResponse, status: number): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('cache-control')).toBe('no-store');
}

/** An RFC 6749 §5.2 error body with its status, never cached. */
export function expectOAuthError(res: RawResponse, status: number, error: string): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.json?.error, res.text).toBe(error);
  expect(typeof res.json?.error_description).toBe('string');
  expect(res.headers.get('cache-control')).toBe('no-store');
}

/**
 * An authorization error sent back to the client on its verified redirect
 * URI, with `state` (RFC 6749 §4.1.2.1): the RFC's way for errors found after
 * the client and redirect URI were checked.
 */
export function expectErrorRedirect(
  res: RawResponse,
  redirectUri: string,
  error: string,
  state: string,
): void {
  expect(res.status, res.text).toBe(302);
  const location = new URL(res.headers.get('location') as string);
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
  expect(location.searchParams.get('error')).toBe(error);
  expect(location.searchParams.get('state')).toBe(state);
  expect(location.searchParams.has('code')).toBe(false);
}

/**
 * What a listener logged holds no server error (every refusal was a 4xx the
 * core chose, never an unexpected failure) and no token, code or secret.
 */
export function expectCleanLogs(logs: string): void {
  const records = logs
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level?: string; msg?: string });
  expect(records.length).toBeGreaterThan(0);
  expect(records.filter((r) => r.level === 'error')).toEqual([]);
  expect(logs.match(TOKEN_PATTERN) ?? []).toEqual([]);
}
