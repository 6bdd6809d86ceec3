/**
 * Pairing (user) codes, RFC 8628 §6.1: 8 characters from the 20 consonants
 * BCDFGHJKLMNPQRSTVWXZ (no vowels, so no words; no digits to confuse with
 * letters), shown as `XXXX-XXXX`. 20^8 ≈ 2^34.6 codes; attempt limits per
 * request and per address make guessing hopeless (RFC 8628 §5.1).
 *
 * Input is forgiving: case, spaces and any kind of dash are ignored.
 * The store holds only a keyed hash of the normalised code (keyed-hash.ts).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-6.1
 */
import { randomInt } from 'node:crypto';
import type { DataKey } from '../keys/data-key.js';
import { keyedHash } from './keyed-hash.js';

export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;

const VALID = new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`);
/** Whitespace, hyphen-minus and the Unicode dashes phone keyboards substitute. */
const SEPARATORS = /[\s\u2010-\u2015\u2212-]/g;

/** A new code, normalised (8 letters, no dash). randomInt is uniform (no modulo bias). */
export function generateUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

/** `BCDFGHJK` → `BCDF-GHJK`. */
export function formatUserCode(normalised: string): string {
  return `${normalised.slice(0, 4)}-${normalised.slice(4)}`;
}

/** What the user typed → the 8-letter code, or null when it cannot be one. */
export function normaliseUserCode(input: string): string | null {
  const code = input.normalize('NFKC').replace(SEPARATORS, '').toUpperCase();
  return VALID.test(code) ? code : null;
}

export function userCodeHash(key: DataKey, normalised: string): string {
  return keyedHash(key, 'user-code', normalised);
}
