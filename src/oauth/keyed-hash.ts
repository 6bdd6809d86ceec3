/**
 * HMAC-SHA256 under a sub-key derived from the data key (HKDF, one per purpose).
 *
 * For values too small to hash plainly: a pairing code has ~34.6 bits, and a
 * client address far fewer, so SHA-256 of either is reversed by brute force in
 * seconds by anyone holding the store file. Keyed, the store file alone reveals
 * nothing. Consequence: after a key rotation, hashes made with the old key no
 * longer match — acceptable for values that live minutes.
 */
import { createHmac } from 'node:crypto';
import { hkdf } from '../crypto/hkdf.js';
import type { DataKey } from '../keys/data-key.js';

export type KeyedHashPurpose = 'user-code' | 'client-address';

export function keyedHash(key: DataKey, purpose: KeyedHashPurpose, value: string): string {
  const subKey = hkdf(key.bytes, `ma-auth/keyed-hash/${purpose}`);
  return createHmac('sha256', subKey).update(value, 'utf8').digest('hex');
}
