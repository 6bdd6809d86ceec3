/**
 * Envelope encryption for recoverable fields.
 *
 * Algorithm: AES-256-GCM, 96-bit random nonce, 128-bit tag.
 * Sealed form (text, safe for a SQLite TEXT column):
 *
 *   v1.<keyId>.<nonce b64url>.<ciphertext b64url>.<tag b64url>
 *
 * The additional authenticated data is `ma-auth/v1|<keyId>|<context>`, so a
 * value cannot be moved to another field (context) or relabelled with another
 * key id without failing authentication.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import type { DataKey } from '../keys/data-key.js';
import { CryptoError } from './errors.js';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * One KeyObject per data key: handing raw bytes to createCipheriv re-imports
 * the key on every call, which dominated re-sealing a large store.
 */
const keyObjects = new WeakMap<DataKey, KeyObject>();

function keyObject(key: DataKey): KeyObject {
  let object = keyObjects.get(key);
  if (!object) {
    object = createSecretKey(key.bytes);
    keyObjects.set(key, object);
  }
  return object;
}

function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`ma-auth/${VERSION}|${keyId}|${context}`, 'utf8');
}

export function seal(key: DataKey, plaintext: string | Buffer, context: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyObject(key), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(key.id, context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    VERSION,
    key.id,
    nonce.toString('base64url'),
    body.toString('base64url'),
    tag.toString('base64url'),
  ].join('.');
}

/** The key id a sealed value names, without decrypting it. */
export function sealedKeyId(sealed: string): string {
  return parse(sealed).keyId;
}

export function open(key: DataKey, sealed: string, context: string): Buffer {
  const parts = parse(sealed);
  if (parts.keyId !== key.id) {
    throw new CryptoError(
      'wrong_key',
      `value was sealed with key ${parts.keyId}, but the key in use is ${key.id}`,
    );
  }
  const decipher = createDecipheriv('aes-256-gcm', keyObject(key), parts.nonce, {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(aad(parts.keyId, context));
  decipher.setAuthTag(parts.tag);
  try {
    return Buffer.concat([decipher.update(parts.body), decipher.final()]);
  } catch {
    throw new CryptoError('tampered', 'sealed value failed authentication (tampered, or the wrong key)');
  }
}

export function openText(key: DataKey, sealed: string, context: string): string {
  return open(key, sealed, context).toString('utf8');
}

function parse(sealed: string) {
  const pieces = sealed.split('.');
  if (pieces.length !== 5 || pieces[0] !== VERSION) {
    throw new CryptoError('malformed', 'sealed value is malformed');
  }
  const [, keyId, nonceText, bodyText, tagText] = pieces as [string, string, string, string, string];
  const nonce = strictB64url(nonceText);
  const tag = strictB64url(tagText);
  const body = strictB64url(bodyText);
  if (!keyId || nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) {
    throw new CryptoError('malformed', 'sealed value is malformed');
  }
  return { keyId, nonce, body, tag };
}

/** Node's base64url decoder skips invalid characters; a flipped byte must not go unnoticed. */
function strictB64url(text: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new CryptoError('malformed', 'sealed value is malformed');
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) throw new CryptoError('malformed', 'sealed value is malformed');
  return bytes;
}
