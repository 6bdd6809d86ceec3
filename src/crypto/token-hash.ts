/**
 * What the store keeps of an access or refresh token, and finds it by: 32
 * bytes, hex.
 *
 * For a token of the current form (random-token.ts issuedToken) it is the
 * token's 6 bytes of issue time followed by the first 26 bytes of the token's
 * SHA-256. The store's index of these keys then grows at its end, as tokens
 * are issued, where a plain SHA-256 put each new token on a random page of
 * it: a refresh issues two tokens, and each random page it dirtied was one
 * more page written to the WAL at the commit — the largest part of a
 * refresh's write cost once the family's own rows share a page (migration 4).
 * Finding a token stays one index lookup by a value only its holder can
 * compute: 208 bits of SHA-256, which nobody can aim at from the time alone.
 *
 * Any other text — tokens issued before this form (43 characters after the
 * prefix), tokens carried over from the legacy server by `ma-auth migrate` —
 * is keyed by its full SHA-256, as it always was, so they keep working.
 */
import { hash } from 'node:crypto';
import { ISSUED_TIME_BYTES, ISSUED_TOKEN_BYTES, TOKEN_PREFIXES } from './random-token.js';

/** Characters of base64url that encode exactly the time's 6 bytes. */
const TIME_CHARS = (ISSUED_TIME_BYTES * 4) / 3;
/** The token's bytes in unpadded base64url (38 bytes: 51 characters). */
const TOKEN_CHARS = Math.ceil((ISSUED_TOKEN_BYTES * 4) / 3);
/** A prefix, the time, and the rest of the token's bytes. */
const CURRENT_FORM = new RegExp(
  `^(?:${TOKEN_PREFIXES.accessToken}|${TOKEN_PREFIXES.refreshToken})([A-Za-z0-9_-]{${TIME_CHARS}})[A-Za-z0-9_-]{${TOKEN_CHARS - TIME_CHARS}}$`,
);

export function tokenHash(token: string): string {
  const digest = hash('sha256', token, 'hex');
  const time = CURRENT_FORM.exec(token)?.[1];
  if (time === undefined) return digest;
  const timeHex = Buffer.from(time, 'base64url').toString('hex');
  return timeHex + digest.slice(0, digest.length - timeHex.length);
}
