/**
 * Chunked AES-256-GCM (the STREAM construction, as in age and Tink): memory
 * stays constant whatever the size of the store, and every chunk is
 * authenticated on its own.
 *
 * - The plaintext is cut into chunks of `chunkSize` bytes; the last holds
 *   1 … chunkSize bytes (never 0: the plaintext is never empty).
 * - Chunk i is sealed with nonce = i as an 11-byte big-endian integer, then one
 *   byte: 0x01 for the last chunk, 0x00 otherwise. The file key is unique per
 *   file, so a nonce never repeats under a key.
 * - AAD: the header bytes (header.ts), for every chunk.
 * - On disk: ciphertext (same length as the plaintext) followed by the 16-byte tag.
 *
 * Reordering or dropping chunks changes their index; cutting the file at a
 * chunk boundary leaves a last chunk sealed as "not last"; appending makes the
 * real last chunk "not last". All three fail authentication.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { BackupError } from './errors.js';

export const TAG_BYTES = 16;

export function chunkNonce(index: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  // 2^53 chunks are far beyond any store; the top bytes stay zero.
  nonce.writeUIntBE(Math.floor(index / 2 ** 32), 3, 4);
  nonce.writeUInt32BE(index % 2 ** 32, 7);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Writes the body: `push` plaintext as it comes, then `finish`. Holds one chunk in memory. */
export class ChunkSealer {
  private readonly buffer: Buffer;
  private filled = 0;
  private index = 0;
  bytesWritten = 0;

  constructor(
    private readonly out: FileHandle,
    private readonly position: number,
    private readonly key: Buffer,
    private readonly aad: Buffer,
    private readonly chunkSize: number,
    private readonly onChunk: () => void = () => {},
  ) {
    this.buffer = Buffer.alloc(chunkSize);
  }

  async push(data: Buffer): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      // A full chunk is sealed only once more data arrives: then it is not the last.
      if (this.filled === this.chunkSize) await this.seal(false);
      const n = Math.min(this.chunkSize - this.filled, data.length - offset);
      data.copy(this.buffer, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
    }
  }

  async finish(): Promise<void> {
    if (this.filled === 0) throw new Error('a backup body is never empty');
    await this.seal(true);
  }

  private async seal(last: boolean): Promise<void> {
    const cipher = createCipheriv('aes-256-gcm', this.key, chunkNonce(this.index, last), {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(this.aad);
    // No concatenation: one chunk-sized allocation per chunk is all the garbage there is.
    const body = cipher.update(this.buffer.subarray(0, this.filled));
    cipher.final(); // GCM: no further output
    await writeAll(this.out, body, this.position + this.bytesWritten);
    await writeAll(this.out, cipher.getAuthTag(), this.position + this.bytesWritten + body.length);
    this.bytesWritten += body.length + TAG_BYTES;
    this.index += 1;
    this.filled = 0;
    this.onChunk();
  }
}

/**
 * Reads and opens the body chunk by chunk, handing each plaintext to `sink`
 * (which must copy what it keeps). Throws `tampered` at the first chunk that
 * fails; the caller discards whatever the sink wrote.
 */
export async function openChunks(options: {
  file: FileHandle;
  name: string;
  start: number;
  size: number;
  key: Buffer;
  aad: Buffer;
  chunkSize: number;
  sink: (plaintext: Buffer) => Promise<void>;
  onProgress?: (done: number, total: number) => void;
}): Promise<void> {
  const { file, start, size, chunkSize } = options;
  const sealedChunk = chunkSize + TAG_BYTES;
  const body = size - start;
  const count = Math.ceil(body / sealedChunk);
  const lastLength = body - (count - 1) * sealedChunk;
  if (count === 0 || lastLength < TAG_BYTES + 1) {
    throw new BackupError('tampered', `${options.name} is truncated or damaged (the body is cut short)`);
  }
  const buffer = Buffer.alloc(sealedChunk);
  for (let i = 0; i < count; i++) {
    const last = i === count - 1;
    const length = last ? lastLength : sealedChunk;
    const position = start + i * sealedChunk;
    const { bytesRead } = await file.read(buffer, 0, length, position);
    if (bytesRead !== length) throw new BackupError('tampered', `${options.name} changed while being read`);
    const decipher = createDecipheriv('aes-256-gcm', options.key, chunkNonce(i, last), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(options.aad);
    decipher.setAuthTag(buffer.subarray(length - TAG_BYTES, length));
    const plaintext = decipher.update(buffer.subarray(0, length - TAG_BYTES));
    try {
      decipher.final(); // authenticates; GCM has no further output
    } catch {
      throw new BackupError(
        'tampered',
        `${options.name} failed authentication at chunk ${i + 1} of ${count}: it was modified, truncated or extended after it was written`,
      );
    }
    await options.sink(plaintext);
    options.onProgress?.(position + length - start, body);
  }
}

export async function writeAll(out: FileHandle, data: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await out.write(data, offset, data.length - offset, position + offset);
    offset += bytesWritten;
  }
}
