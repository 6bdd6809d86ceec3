/**
 * The file key: 32 bytes, fresh for every backup (a new 16-byte salt each time),
 * so counter nonces (chunks.ts) never repeat under one key.
 *
 * - passphrase: scrypt(NFC-normalised UTF-8 passphrase, salt, N = 2^17, r = 8,
 *   p = 1, 32 bytes) — 128 MiB and a fraction of a second per attempt.
 * - data key:   HKDF-SHA256(data key, salt, info "ma-auth/backup/v1", 32 bytes).
 *
 * The key check in the header tells "wrong passphrase" from "damaged file"
 * without decrypting: it is no easier to test a guess against than the first
 * chunk's GCM tag.
 */
import { createHmac, randomBytes, scrypt } from 'node:crypto';
import { hkdf } from '../../crypto/hkdf.js';
import type { DataKey } from '../../keys/data-key.js';
import type { HkdfKdf, ScryptKdf } from './header.js';

export const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
export const HKDF_INFO = 'ma-auth/backup/v1';
const KEY_CHECK_INFO = 'ma-auth/backup/v1/key-check';
/** Passphrases shorter than this are refused when writing (not when reading). */
export const MIN_PASSPHRASE_LENGTH = 12;

export function newScryptKdf(): ScryptKdf {
  return { name: 'scrypt', salt: randomBytes(16).toString('base64url'), ...SCRYPT };
}

export function newHkdfKdf(): HkdfKdf {
  return { name: 'HKDF-SHA256', salt: randomBytes(16).toString('base64url'), info: HKDF_INFO };
}

export function passphraseKey(passphrase: string, kdf: ScryptKdf): Promise<Buffer> {
  const password = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  const salt = Buffer.from(kdf.salt, 'base64url');
  return new Promise((resolve, reject) => {
    scrypt(
      password,
      salt,
      32,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 128 * kdf.N * kdf.r + 16 * 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

export function dataKeyFileKey(key: DataKey, kdf: HkdfKdf): Buffer {
  return hkdf(key.bytes, kdf.info, 32, Buffer.from(kdf.salt, 'base64url'));
}

export function keyCheck(fileKey: Buffer): string {
  return createHmac('sha256', fileKey)
    .update(KEY_CHECK_INFO, 'utf8')
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}
