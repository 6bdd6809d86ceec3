/**
 * PKCE, RFC 7636, S256 only. `plain` is refused (RFC 9700 §2.1.1): it protects
 * nothing once the authorization request is seen. A challenge without a method
 * means `plain` (RFC 7636 §4.3), so it is refused too.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636
 */
import { createHash } from 'node:crypto';
import { constantEquals } from '../crypto/constant-equals.js';

export const PKCE_METHOD = 'S256';

/** RFC 7636 §4.1: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** BASE64URL(SHA256(verifier)): always 43 characters, no padding. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The problem with an authorization request's PKCE parameters, or null.
 * Both absent is fine here (whether the client must use PKCE is checked apart).
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
export function codeChallengeProblem(
  challenge: string | undefined,
  method: string | undefined,
): string | null {
  if (challenge === undefined && method === undefined) return null;
  if (challenge === undefined) return 'code_challenge_method given without code_challenge';
  if (method === undefined || method === 'plain') return 'PKCE method "plain" is not supported; use S256';
  if (method !== PKCE_METHOD) return 'unsupported code_challenge_method; use S256';
  if (!S256_CHALLENGE.test(challenge)) return 'code_challenge is not a base64url SHA-256 value';
  return null;
}

export function isValidCodeVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

/** @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6 */
export function verifyCodeVerifier(challenge: string, verifier: string): boolean {
  if (!isValidCodeVerifier(verifier)) return false;
  return constantEquals(s256(verifier), challenge);
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
