/**
 * HMAC-SHA256 under a sub-key derived from the data key (HKDF, one per purpose).
 *
 * For values too small to hash plainly: a pairing code has ~34.6 bits, and a
 * client address far fewer, so SHA-256 of either is reversed by brute force in
 * seconds by anyone holding the store file. Keyed, the store file alone reveals
 * nothing. Consequence: after a key rotation, hashes made with the old key no
 * longer match — acceptable for values that live minutes.
 */
import { createHmac, createSecretKey } from 'node:crypto';
import { hkdf } from '../crypto/hkdf.js';
import { derivedOnce } from '../crypto/per-key.js';
import type { DataKey } from '../keys/data-key.js';

export type KeyedHashPurpose = 'user-code' | 'client-address';

export function keyedHash(key: DataKey, purpose: KeyedHashPurpose, value: string): string {
  // Derived once per key and purpose: every request hashes its client address,
  // and HKDF plus importing the key into OpenSSL cost more than the HMAC.
  const subKey = derivedOnce(key, `keyed-hash/${purpose}`, () =>
    createSecretKey(hkdf(key.bytes, `ma-auth/keyed-hash/${purpose}`)),
  );
  return createHmac('sha256', subKey).update(value, 'utf8').digest('hex');
}
