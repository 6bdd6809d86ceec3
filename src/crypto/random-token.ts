/**
 * Issued tokens: 256 bits from the CSPRNG, base64url, with a recognisable
 * prefix so logs can be redacted by pattern and secret scanners can find leaks.
 */
import { randomBytes } from 'node:crypto';

export const TOKEN_PREFIXES = {
  accessToken: 'maa_at_',
  refreshToken: 'maa_rt_',
  authorizationCode: 'maa_ac_',
  deviceCode: 'maa_dc_',
  clientSecret: 'maa_cs_',
  csrf: 'maa_csrf_',
  requestId: 'maa_req_',
} as const;

export type TokenKind = keyof typeof TOKEN_PREFIXES;

/** Matches any prefixed token in free text; used by the log redactor. */
export const TOKEN_PATTERN = /maa_(?:at|rt|ac|dc|cs|csrf|req)_[A-Za-z0-9_-]{20,}/g;

export function randomToken(kind: TokenKind): string {
  return TOKEN_PREFIXES[kind] + randomBytes(32).toString('base64url');
}

/** A random identifier (not a secret): 128 bits, base64url. */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}
