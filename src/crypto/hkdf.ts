/**
 * HKDF-SHA256 (RFC 5869) derivation of sub-secrets from the data key.
 *
 * Used for secrets that only the key holder can compute, e.g. the CLI's own
 * client secret, so the secret itself never needs to be stored anywhere.
 */
import { hkdfSync } from 'node:crypto';

export function hkdf(ikm: Buffer, info: string, length = 32, salt: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(info, 'utf8'), length));
}
