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
import { derivedOnce } from './per-key.js';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Per data key (per-key.ts): one KeyObject — handing raw bytes to
 * createCipheriv re-imports the key on every call, which dominated re-sealing
 * a large store — and the AAD bytes per context (a handful), so sealing or
 * opening a value allocates no more than it must: re-sealing or verifying
 * 100,000 values in one go otherwise grows the process by tens of MiB of
 * garbage between collections.
 */
interface KeyState {
  readonly object: KeyObject;
  readonly aads: Map<string, Buffer>;
}

function keyState(key: DataKey): KeyState {
  return derivedOnce(key, 'aead', () => ({ object: createSecretKey(key.bytes), aads: new Map() }));
}

/** `ma-auth/v1|<keyId>|<context>`, built once per key and context. */
function aad(key: DataKey, state: KeyState, context: string): Buffer {
  let bytes = state.aads.get(context);
  if (!bytes) {
    bytes = Buffer.from(`ma-auth/${VERSION}|${key.id}|${context}`, 'utf8');
    state.aads.set(context, bytes);
  }
  return bytes;
}

export function seal(key: DataKey, plaintext: string | Buffer, context: string): string {
  const state = keyState(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', state.object, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(key, state, context));
  // GCM is a stream mode: update() returns the whole ciphertext, final() nothing.
  const body = cipher.update(plaintext);
  cipher.final();
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
  return openParsed(key, parse(sealed), context);
}

/**
 * `sealed` opened with `from` and sealed again under `to`, or null when it is
 * sealed under `to` already. Parses the value once.
 */
export function reseal(from: DataKey, to: DataKey, sealed: string, context: string): string | null {
  const parts = parse(sealed);
  if (parts.keyId === to.id) return null;
  return seal(to, openParsed(from, parts, context), context);
}

function openParsed(key: DataKey, parts: Parsed, context: string): Buffer {
  if (parts.keyId !== key.id) {
    throw new CryptoError(
      'wrong_key',
      `value was sealed with key ${parts.keyId}, but the key in use is ${key.id}`,
    );
  }
  const state = keyState(key);
  const decipher = createDecipheriv('aes-256-gcm', state.object, parts.nonce, {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(aad(key, state, context));
  decipher.setAuthTag(parts.tag);
  try {
    const plaintext = decipher.update(parts.body);
    decipher.final(); // authenticates; GCM has no further output
    return plaintext;
  } catch {
    throw new CryptoError('tampered', 'sealed value failed authentication (tampered, or the wrong key)');
  }
}

export function openText(key: DataKey, sealed: string, context: string): string {
  return open(key, sealed, context).toString('utf8');
}

interface Parsed {
  readonly keyId: string;
  readonly nonce: Buffer;
  readonly body: Buffer;
  readonly tag: Buffer;
}

function parse(sealed: string): Parsed {
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

const B64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Node's base64url decoder skips invalid characters and ignores the unused
 * low bits of the last character; a flipped byte must not go unnoticed. Only
 * the canonical (unpadded) encoding of some bytes is accepted — what
 * re-encoding the decoded bytes would give, checked without doing it.
 */
function strictB64url(text: string): Buffer {
  if (!B64URL.test(text)) throw new CryptoError('malformed', 'sealed value is malformed');
  const rest = text.length % 4;
  // Leftover characters: 1 cannot encode a byte; 2 carry one byte and 4
  // unused bits; 3 carry two bytes and 2 unused bits — which must be zero.
  const unused = rest === 2 ? 0b1111 : rest === 3 ? 0b11 : 0;
  if (rest === 1 || (unused !== 0 && (ALPHABET.indexOf(text.charAt(text.length - 1)) & unused) !== 0)) {
    throw new CryptoError('malformed', 'sealed value is malformed');
  }
  return Buffer.from(text, 'base64url');
}
