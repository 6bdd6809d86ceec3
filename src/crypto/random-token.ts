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

/** The bytes of issue time in front of an access or refresh token's random bytes. */
export const ISSUED_TIME_BYTES = 6;
/** All of an access or refresh token's bytes after its prefix: the time, then 256 random bits. */
export const ISSUED_TOKEN_BYTES = ISSUED_TIME_BYTES + 32;

/**
 * An access or refresh token: its issue time (epoch milliseconds, 6 bytes,
 * big-endian), then 256 random bits, in base64url — 51 characters after the
 * prefix. The time is not a secret and nothing reads it as a time: it puts
 * the store's index entry of a new token beside the last one (token-hash.ts).
 */
export function issuedToken(kind: 'accessToken' | 'refreshToken', now: number): string {
  const bytes = Buffer.allocUnsafe(ISSUED_TOKEN_BYTES);
  bytes.writeUIntBE(Math.min(Math.max(Math.trunc(now), 0), 2 ** 48 - 1), 0, ISSUED_TIME_BYTES);
  randomSlice(ISSUED_TOKEN_BYTES - ISSUED_TIME_BYTES).copy(bytes, ISSUED_TIME_BYTES);
  return TOKEN_PREFIXES[kind] + bytes.toString('base64url');
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
