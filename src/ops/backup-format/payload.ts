/**
 * What the chunks carry, once decrypted and concatenated:
 *
 *   4-byte big-endian length L · L bytes of UTF-8 JSON (the manifest) · the
 *   SQLite database file (the snapshot), to the end
 *
 * The manifest holds what the snapshot alone cannot: for a passphrase backup
 * the data key that sealed the snapshot's fields (so it can be restored where
 * that key is gone), and the Music Assistant client's secret, whose hash is in
 * the snapshot.
 */
import type { FileHandle } from 'node:fs/promises';
import { decodeKey } from '../../keys/data-key.js';
import { IO_BYTES, writeAll } from './chunks.js';
import { BackupError } from './errors.js';

export interface Manifest {
  /** Size of the snapshot in bytes. */
  readonly snapshotBytes: number;
  /** Passphrase backups: the data key (base64url) that sealed the snapshot's fields. */
  readonly dataKey?: string;
  /** The Music Assistant client's secret file, if there was one. */
  readonly musicAssistantSecret?: string;
}

const MAX_MANIFEST_BYTES = 1024 * 1024;

export function encodeManifest(manifest: Manifest): Buffer {
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json]);
}

/**
 * A chunk sink that parses the manifest, then writes the snapshot to `out`,
 * ~1 MiB at a time (chunks.ts IO_BYTES); `finish` writes the rest.
 */
export class PayloadWriter {
  private head = Buffer.alloc(0);
  private manifestValue: Manifest | null = null;
  /** Snapshot bytes received (written, or waiting in `pending`). */
  snapshotBytes = 0;
  private readonly pending = Buffer.alloc(IO_BYTES);
  private pendingBytes = 0;

  constructor(
    private readonly out: FileHandle,
    private readonly name: string,
  ) {}

  readonly sink = async (plaintext: Buffer): Promise<void> => {
    let rest = plaintext;
    if (!this.manifestValue) {
      this.head = Buffer.concat([this.head, plaintext]);
      if (this.head.length < 4) return;
      const length = this.head.readUInt32BE(0);
      if (length > MAX_MANIFEST_BYTES) throw this.bad('manifest too large');
      if (this.head.length < 4 + length) return;
      this.manifestValue = parseManifest(this.head.subarray(4, 4 + length), this.name);
      rest = this.head.subarray(4 + length);
      this.head = Buffer.alloc(0);
    }
    let offset = 0;
    while (offset < rest.length) {
      if (this.pendingBytes === this.pending.length) await this.flush();
      const copied = rest.copy(this.pending, this.pendingBytes, offset);
      this.pendingBytes += copied;
      this.snapshotBytes += copied;
      offset += copied;
    }
  };

  /** After the last chunk: writes what is still held. */
  async finish(): Promise<void> {
    await this.flush();
  }

  private async flush(): Promise<void> {
    const at = this.snapshotBytes - this.pendingBytes;
    await writeAll(this.out, this.pending.subarray(0, this.pendingBytes), at);
    this.pendingBytes = 0;
  }

  /** After the last chunk: the manifest, checked against what was written. */
  manifest(): Manifest {
    if (!this.manifestValue) throw this.bad('no manifest');
    if (this.manifestValue.snapshotBytes !== this.snapshotBytes) {
      throw this.bad(
        `snapshot is ${this.snapshotBytes} bytes, the manifest says ${this.manifestValue.snapshotBytes}`,
      );
    }
    return this.manifestValue;
  }

  private bad(what: string): BackupError {
    return new BackupError('bad_snapshot', `${this.name}: the backup's content is not valid (${what})`);
  }
}

function parseManifest(bytes: Buffer, name: string): Manifest {
  const bad = (what: string) =>
    new BackupError('bad_snapshot', `${name}: the backup's manifest is not valid (${what})`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw bad('not JSON');
  }
  if (!Number.isSafeInteger(raw.snapshotBytes) || (raw.snapshotBytes as number) <= 0)
    throw bad('snapshotBytes');
  if (raw.dataKey !== undefined) {
    if (typeof raw.dataKey !== 'string') throw bad('dataKey');
    try {
      decodeKey(raw.dataKey);
    } catch {
      throw bad('dataKey');
    }
  }
  if (raw.musicAssistantSecret !== undefined && typeof raw.musicAssistantSecret !== 'string') {
    throw bad('musicAssistantSecret');
  }
  return raw as unknown as Manifest;
}
