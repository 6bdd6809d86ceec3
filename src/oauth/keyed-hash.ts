/**
 * HMAC-SHA256 under a sub-key derived from the data key (HKDF, one per purpose).
 *
 * For values too small to hash plainly: a pairing code has ~34.6 bits, and a
 * client address far fewer, so SHA-256 of either is reversed by brute force in
 * seconds by anyone holding the store file. Keyed, the store file alone reveals
 * nothing. Consequence: after a key rotation, hashes made with the old key no
 * longer match — acceptable for values that live minutes.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { hkdf } from '../crypto/hkdf.js';
import type { DataKey } from '../keys/data-key.js';

export type KeyedHashPurpose = 'user-code' | 'client-address';

export function keyedHash(key: DataKey, purpose: KeyedHashPurpose, value: string): string {
  return createHmac('sha256', subKey(key, purpose)).update(value, 'utf8').digest('hex');
}

/**
 * Derived once per data key and purpose: every request hashes its client
 * address, and HKDF plus importing the key into OpenSSL cost more than the HMAC.
 */
const subKeys = new WeakMap<DataKey, Map<KeyedHashPurpose, KeyObject>>();

function subKey(key: DataKey, purpose: KeyedHashPurpose): KeyObject {
  let forKey = subKeys.get(key);
  if (!forKey) {
    forKey = new Map();
    subKeys.set(key, forKey);
  }
  let object = forKey.get(purpose);
  if (!object) {
    object = createSecretKey(hkdf(key.bytes, `ma-auth/keyed-hash/${purpose}`));
    forKey.set(purpose, object);
  }
  return object;
}
