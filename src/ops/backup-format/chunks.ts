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

/**
 * Sealed chunks are written, and read, about this many bytes at a time: one
 * system call per MiB rather than one or two per 64 KiB chunk (thousands of
 * round trips through libuv's thread pool for a large store).
 */
export const IO_BYTES = 1024 * 1024;

/**
 * Frees a chunk-sized buffer now rather than at a later garbage collection.
 * V8 collects memory held outside its heap only once tens of MiB of it pile
 * up, so the 64 KiB that every chunk's cipher output allocates made the
 * process ~40 MiB larger when sealing or opening a large store. Detaching
 * (ES2024 `ArrayBuffer.prototype.transfer`) frees it at once — only for a
 * buffer that owns its whole ArrayBuffer, as cipher output does, and only
 * once its bytes have been copied out.
 */
function release(buffer: Buffer): void {
  const backing = buffer.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (buffer.byteOffset === 0 && backing.byteLength === buffer.length) backing.transfer?.(0);
}

/** Writes the body: `push` plaintext as it comes, then `finish`. Holds a chunk and ~1 MiB of output in memory. */
export class ChunkSealer {
  private readonly buffer: Buffer;
  private filled = 0;
  private index = 0;
  /** Sealed chunks not written yet. */
  private readonly output: Buffer;
  private pending = 0;
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
    const sealedChunk = chunkSize + TAG_BYTES;
    this.output = Buffer.alloc(sealedChunk * Math.max(1, Math.floor(IO_BYTES / sealedChunk)));
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
    await this.flush();
  }

  private async seal(last: boolean): Promise<void> {
    if (this.pending + this.filled + TAG_BYTES > this.output.length) await this.flush();
    const cipher = createCipheriv('aes-256-gcm', this.key, chunkNonce(this.index, last), {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(this.aad);
    const body = cipher.update(this.buffer.subarray(0, this.filled));
    this.pending += body.copy(this.output, this.pending);
    release(body);
    cipher.final(); // GCM: no further output
    this.pending += cipher.getAuthTag().copy(this.output, this.pending);
    this.index += 1;
    this.filled = 0;
    this.onChunk();
  }

  private async flush(): Promise<void> {
    await writeAll(this.out, this.output.subarray(0, this.pending), this.position + this.bytesWritten);
    this.bytesWritten += this.pending;
    this.pending = 0;
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
  const perRead = Math.max(1, Math.floor(IO_BYTES / sealedChunk));
  const buffer = Buffer.alloc(sealedChunk * perRead);
  for (let first = 0; first < count; first += perRead) {
    const n = Math.min(perRead, count - first);
    const length = (n - 1) * sealedChunk + (first + n === count ? lastLength : sealedChunk);
    const { bytesRead } = await file.read(buffer, 0, length, start + first * sealedChunk);
    if (bytesRead !== length) throw new BackupError('tampered', `${options.name} changed while being read`);
    for (let j = 0; j < n; j++) {
      const i = first + j;
      const last = i === count - 1;
      const from = j * sealedChunk;
      const to = from + (last ? lastLength : sealedChunk);
      const decipher = createDecipheriv('aes-256-gcm', options.key, chunkNonce(i, last), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(options.aad);
      decipher.setAuthTag(buffer.subarray(to - TAG_BYTES, to));
      const plaintext = decipher.update(buffer.subarray(from, to - TAG_BYTES));
      try {
        decipher.final(); // authenticates; GCM has no further output
      } catch {
        throw new BackupError(
          'tampered',
          `${options.name} failed authentication at chunk ${i + 1} of ${count}: it was modified, truncated or extended after it was written`,
        );
      }
      await options.sink(plaintext);
      release(plaintext); // the sink copied what it keeps
      options.onProgress?.(first * sealedChunk + to, body);
    }
  }
}

export async function writeAll(out: FileHandle, data: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await out.write(data, offset, data.length - offset, position + offset);
    offset += bytesWritten;
  }
}
