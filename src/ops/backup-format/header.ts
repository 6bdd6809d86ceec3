/**
 * The backup file's header (docs/formats.md): 8 magic bytes, a 4-byte
 * big-endian length, then that many bytes of UTF-8 JSON. The header is sent in
 * clear (so a reader can tell which passphrase or key it needs and refuse a
 * newer schema before asking for it) and authenticated as the AAD of every
 * body chunk: the exact bytes from offset 0 to the end of the JSON.
 */
import type { FileHandle } from 'node:fs/promises';
import { BackupError } from './errors.js';

export const MAGIC = Buffer.from('MAAUTHBK', 'ascii');
export const FORMAT = 'ma-auth-backup';
export const FORMAT_VERSION = 1;
export const CIPHER = 'AES-256-GCM';
/** Plaintext bytes per chunk. Readers accept 4 KiB to 16 MiB. */
export const CHUNK_SIZE = 64 * 1024;
const MAX_HEADER_BYTES = 64 * 1024;

export interface ScryptKdf {
  readonly name: 'scrypt';
  /** base64url, 16 bytes. */
  readonly salt: string;
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export interface HkdfKdf {
  readonly name: 'HKDF-SHA256';
  /** base64url, 16 bytes. */
  readonly salt: string;
  readonly info: string;
}

export interface BackupHeader {
  readonly format: typeof FORMAT;
  readonly version: typeof FORMAT_VERSION;
  /** ISO 8601, UTC. */
  readonly createdAt: string;
  readonly cipher: typeof CIPHER;
  readonly chunkSize: number;
  /** `passphrase`: scrypt over a passphrase; `data-key`: HKDF over the data key `keyId`. */
  readonly sealedWith: 'passphrase' | 'data-key';
  readonly kdf: ScryptKdf | HkdfKdf;
  /** base64url of the first 16 bytes of HMAC-SHA256(file key, "ma-auth/backup/v1/key-check"). */
  readonly keyCheck: string;
  /** The data key that sealed the snapshot's fields (`k` + 16 hex). */
  readonly keyId: string;
  /** The snapshot's `PRAGMA user_version`. */
  readonly schemaVersion: number;
}

/** The header as written: magic, length, JSON — also the AAD of every chunk. */
export function encodeHeader(header: BackupHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([MAGIC, length, json]);
}

export interface ReadHeader {
  readonly header: BackupHeader;
  /** Bytes 0 … end of the JSON: the AAD. */
  readonly bytes: Buffer;
}

export async function readHeader(file: FileHandle, size: number, name: string): Promise<ReadHeader> {
  const prefix = Buffer.alloc(MAGIC.length + 4);
  const got = (await file.read(prefix, 0, prefix.length, 0)).bytesRead;
  if (got < prefix.length || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new BackupError('not_a_backup', `${name} is not an ma-auth backup`);
  }
  const length = prefix.readUInt32BE(MAGIC.length);
  if (length === 0 || length > MAX_HEADER_BYTES || prefix.length + length > size) {
    throw new BackupError('malformed', `${name}: the backup header is damaged (length ${length})`);
  }
  const json = Buffer.alloc(length);
  await file.read(json, 0, length, prefix.length);
  let raw: unknown;
  try {
    raw = JSON.parse(json.toString('utf8'));
  } catch {
    throw new BackupError('malformed', `${name}: the backup header is damaged (not JSON)`);
  }
  return { header: validateHeader(raw, name), bytes: Buffer.concat([prefix, json]) };
}

function validateHeader(raw: unknown, name: string): BackupHeader {
  const bad = (what: string): never => {
    throw new BackupError('malformed', `${name}: the backup header is damaged (${what})`);
  };
  if (typeof raw !== 'object' || raw === null) return bad('not an object');
  const h = raw as Record<string, unknown>;
  if (h.format !== FORMAT) return bad('format');
  if (h.version !== FORMAT_VERSION) {
    throw new BackupError(
      'unsupported',
      `${name} is a version ${String(h.version)} backup; this ma-auth reads version ${FORMAT_VERSION}. Upgrade ma-auth.`,
    );
  }
  if (h.cipher !== CIPHER)
    throw new BackupError('unsupported', `${name}: unknown cipher ${String(h.cipher)}`);
  if (typeof h.createdAt !== 'string' || Number.isNaN(Date.parse(h.createdAt))) return bad('createdAt');
  if (!isInt(h.chunkSize) || h.chunkSize < 4096 || h.chunkSize > 16 * 1024 * 1024) return bad('chunkSize');
  if (h.sealedWith !== 'passphrase' && h.sealedWith !== 'data-key') return bad('sealedWith');
  if (typeof h.keyCheck !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(h.keyCheck)) return bad('keyCheck');
  if (typeof h.keyId !== 'string' || !/^k[0-9a-f]{16}$/.test(h.keyId)) return bad('keyId');
  if (!isInt(h.schemaVersion) || h.schemaVersion < 1) return bad('schemaVersion');
  const kdf = h.kdf as Record<string, unknown> | null;
  if (typeof kdf !== 'object' || kdf === null) return bad('kdf');
  if (typeof kdf.salt !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(kdf.salt)) return bad('kdf.salt');
  if (h.sealedWith === 'passphrase') {
    if (kdf.name !== 'scrypt')
      throw new BackupError('unsupported', `${name}: unknown KDF ${String(kdf.name)}`);
    checkScrypt(kdf, name);
  } else if (kdf.name !== 'HKDF-SHA256' || typeof kdf.info !== 'string') {
    throw new BackupError('unsupported', `${name}: unknown KDF ${String(kdf.name)}`);
  }
  return h as unknown as BackupHeader;
}

/**
 * Bounds on what a file may ask of the reader: a forged header must not make
 * `restore` allocate gigabytes. The writer uses N = 2^17, r = 8, p = 1.
 */
function checkScrypt(kdf: Record<string, unknown>, name: string): void {
  const { N, r, p } = kdf;
  const ok =
    isInt(N) &&
    isInt(r) &&
    isInt(p) &&
    N >= 2 ** 14 &&
    N <= 2 ** 20 &&
    (N & (N - 1)) === 0 &&
    r >= 1 &&
    r <= 32 &&
    p >= 1 &&
    p <= 16 &&
    128 * N * r <= 1024 ** 3;
  if (!ok) throw new BackupError('unsupported', `${name}: scrypt parameters out of bounds`);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}
