/**
 * The data key: 32 random bytes that seal every recoverable field (AES-256-GCM).
 *
 * Its id is derived with HKDF (not a plain hash of the key) so the id that is
 * stored next to sealed values and printed as a fingerprint reveals nothing usable
 * about the key.
 */
import { randomBytes } from 'node:crypto';
import { CryptoError } from '../crypto/errors.js';
import { hkdf } from '../crypto/hkdf.js';

export const DATA_KEY_BYTES = 32;

export interface DataKey {
  /** Short stable identifier, e.g. `k1a2b3c4d5e6f7a8b`; recorded with every sealed value. */
  readonly id: string;
  readonly bytes: Buffer;
}

export function dataKeyFromBytes(bytes: Buffer): DataKey {
  if (bytes.length !== DATA_KEY_BYTES) {
    throw new CryptoError('bad_key', `a data key is ${DATA_KEY_BYTES} bytes; got ${bytes.length}`);
  }
  const id = `k${hkdf(bytes, 'ma-auth/key-id', 8).toString('hex')}`;
  return { id, bytes: Buffer.from(bytes) };
}

export function generateDataKey(): DataKey {
  return dataKeyFromBytes(randomBytes(DATA_KEY_BYTES));
}

/** Human fingerprint of a key id: `1a2b:3c4d:5e6f:7a8b`. */
export function fingerprint(key: DataKey | string): string {
  const id = typeof key === 'string' ? key : key.id;
  return (id.slice(1).match(/.{4}/g) ?? []).join(':');
}

/** The text form of a key (env var, key file): base64url, no padding. */
export function encodeKey(key: DataKey): string {
  return key.bytes.toString('base64url');
}

export function decodeKey(text: string): DataKey {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9_-]{43}$/.test(trimmed)) {
    throw new CryptoError('bad_key', 'not a base64url-encoded 32-byte key (43 characters expected)');
  }
  return dataKeyFromBytes(Buffer.from(trimmed, 'base64url'));
}
