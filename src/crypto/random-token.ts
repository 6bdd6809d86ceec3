/**
 * Issued tokens: 256 bits from the CSPRNG, base64url, with a recognisable
 * prefix so logs can be redacted by pattern and secret scanners can find leaks.
 */
import { randomFillSync } from 'node:crypto';

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
  return TOKEN_PREFIXES[kind] + randomSlice(32).toString('base64url');
}

/**
 * A random identifier (not a secret): 127 random bits, base64url. The top bit
 * is cleared so the id starts with a letter (A–f), never `-` or `_`: ids are
 * pasted as command arguments (`ma-auth tokens revoke <grant id>`), and one
 * starting with `-` would be read as an option.
 */
export function randomId(): string {
  const bytes = randomSlice(16);
  bytes[0] = (bytes[0] as number) & 0x7f;
  return bytes.toString('base64url');
}

/**
 * CSPRNG bytes from a pool refilled 4 KiB at a time: one call into OpenSSL
 * per ~60 tokens instead of one per token (the token endpoint mints two per
 * request). Every byte is handed out once; callers encode the slice at once
 * and never keep it, and the bytes are overwritten on the next refill.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

function randomSlice(size: number): Buffer {
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const slice = pool.subarray(offset, offset + size);
  offset += size;
  return slice;
}
