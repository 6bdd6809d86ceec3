/**
 * Writing a backup (docs/formats.md): snapshot the live store with VACUUM INTO
 * (consistent while a listener writes), then stream it through the chunked
 * AEAD into a temporary file beside the target, fsync, and link it to its
 * name — which fails rather than overwrite — then fsync the directory. Memory
 * stays constant; a failure, Ctrl-C or a kill leaves no file under the name.
 */
import { existsSync } from 'node:fs';
import { link, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ensurePrivateDir, fsyncDir } from '../../config/fs-private.js';
import { open as openSealed } from '../../crypto/aead.js';
import { type DataKey, encodeKey } from '../../keys/data-key.js';
import { schemaVersion } from '../../store/sqlite/database.js';
import { SEALED } from '../../store/sqlite/sealed-fields.js';
import {
  keyBindingOf,
  openSnapshot,
  type StoreFacts,
  snapshotStore,
  storeFacts,
} from '../../store/sqlite/snapshot.js';
import { KEY_CHECK_TEXT } from '../../store/sqlite/sqlite-store.js';
import { ChunkSealer, IO_BYTES, writeAll } from '../backup-format/chunks.js';
import { BackupError } from '../backup-format/errors.js';
import {
  dataKeyFileKey,
  keyCheck,
  MIN_PASSPHRASE_LENGTH,
  newHkdfKdf,
  newScryptKdf,
  passphraseKey,
} from '../backup-format/file-key.js';
import {
  type BackupHeader,
  CHUNK_SIZE,
  CIPHER,
  encodeHeader,
  FORMAT,
  FORMAT_VERSION,
} from '../backup-format/header.js';
import { encodeManifest } from '../backup-format/payload.js';
import { crashPoint } from '../crash-point.js';
import { removeDbFiles, removeStaleTemps, tempFile } from './temp-files.js';

export type OnProgress = (phase: string, done: number, total: number) => void;

export type BackupSeal =
  | { readonly kind: 'passphrase'; readonly passphrase: string }
  | { readonly kind: 'data-key' };

export interface CreateBackupInput {
  readonly storeFile: string;
  /** The data key that sealed the store. */
  readonly key: DataKey;
  /** Final path; must not exist. */
  readonly target: string;
  readonly seal: BackupSeal;
  /** Where the snapshot is taken to before encryption: the data dir (beside the store). */
  readonly workDir: string;
  readonly musicAssistantSecretFile?: string;
  readonly now: number;
  readonly onProgress?: OnProgress;
  /** Checked between chunks: a Ctrl-C stops the backup and removes what it wrote. */
  readonly interrupted?: () => boolean;
  /**
   * Count what the store holds (the summary's `facts`; default true). Restore's
   * pre-restore backup does not: nothing shows them, and counting active
   * grants walks every grant's tokens.
   */
  readonly count?: boolean;
}

export interface BackupSummary {
  readonly file: string;
  readonly bytes: number;
  readonly createdAt: string;
  readonly sealedWith: BackupHeader['sealedWith'];
  readonly keyId: string;
  readonly schemaVersion: number;
  readonly facts: StoreFacts;
}

/** A backup made with `count: false`. */
export type UncountedBackupSummary = Omit<BackupSummary, 'facts'>;

export class BackupInterrupted extends Error {
  override readonly name = 'BackupInterrupted';
}

export async function createBackup(
  input: CreateBackupInput & { readonly count: false },
): Promise<UncountedBackupSummary>;
export async function createBackup(input: CreateBackupInput): Promise<BackupSummary>;
export async function createBackup(input: CreateBackupInput): Promise<UncountedBackupSummary> {
  if (input.seal.kind === 'passphrase' && input.seal.passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new BackupError(
      'needs_passphrase',
      `the passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`,
    );
  }
  const dir = dirname(input.target);
  await ensurePrivateDir(dir);
  await ensurePrivateDir(input.workDir);
  await removeStaleTemps(dir);
  await removeStaleTemps(input.workDir);
  if (existsSync(input.target)) {
    throw new BackupError(
      'exists',
      `${input.target} exists already; choose another name (a backup is never overwritten)`,
    );
  }
  const snapshot = tempFile(input.workDir, 'snapshot');
  const partial = tempFile(dir, 'partial');
  let done = false;
  try {
    input.onProgress?.('snapshot', 0, 1);
    await snapshotStore(input.storeFile, snapshot);
    crashPoint('backup:snapshot');
    const { version, facts } = inspect(snapshot, input.key, input.now, input.count !== false);
    const createdAt = new Date(input.now).toISOString();
    const { header, fileKey } = await sealing(input, version, createdAt);
    crashPoint('backup:key');
    checkInterrupted(input);

    const headerBytes = encodeHeader(header);
    const snapshotBytes = (await stat(snapshot)).size;
    const musicAssistantSecret = await readOptional(input.musicAssistantSecretFile);
    const manifest = encodeManifest({
      snapshotBytes,
      ...(input.seal.kind === 'passphrase' ? { dataKey: encodeKey(input.key) } : {}),
      ...(musicAssistantSecret ? { musicAssistantSecret } : {}),
    });
    const out = await open(partial, 'wx', 0o600);
    let bytes: number;
    try {
      await writeAll(out, headerBytes, 0);
      const sealer = new ChunkSealer(out, headerBytes.length, fileKey, headerBytes, CHUNK_SIZE, () =>
        crashPoint('backup:chunk'),
      );
      await sealer.push(manifest);
      const source = await open(snapshot, 'r');
      try {
        const buffer = Buffer.alloc(IO_BYTES);
        for (let position = 0; position < snapshotBytes; ) {
          checkInterrupted(input);
          const { bytesRead } = await source.read(buffer, 0, IO_BYTES, position);
          if (bytesRead === 0) break;
          await sealer.push(buffer.subarray(0, bytesRead));
          position += bytesRead;
          input.onProgress?.('encrypt', position, snapshotBytes);
        }
      } finally {
        await source.close();
      }
      await sealer.finish();
      await out.sync();
      bytes = headerBytes.length + sealer.bytesWritten;
    } finally {
      await out.close();
    }
    crashPoint('backup:synced');
    checkInterrupted(input);
    // link(2) never replaces an existing file: a backup is not overwritten, even by a race.
    await link(partial, input.target).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') throw new BackupError('exists', `${input.target} exists already`);
      throw err;
    });
    crashPoint('backup:linked');
    await rm(partial, { force: true });
    await fsyncDir(dir);
    done = true;
    return {
      file: input.target,
      bytes,
      createdAt,
      sealedWith: header.sealedWith,
      keyId: header.keyId,
      schemaVersion: header.schemaVersion,
      ...(facts ? { facts } : {}),
    };
  } finally {
    await removeDbFiles(snapshot);
    if (!done) await rm(partial, { force: true });
  }
}

/** The snapshot is the store sealed with `key`, its schema version, and (if `count`) what is in it. */
function inspect(
  snapshot: string,
  key: DataKey,
  now: number,
  count: boolean,
): { version: number; facts: StoreFacts | null } {
  const db = openSnapshot(snapshot, { readOnly: true });
  try {
    const facts = count ? storeFacts(db, now) : null;
    const keyId = facts ? facts.keyId : keyBindingOf(db);
    if (keyId === null) throw new BackupError('bad_snapshot', 'the store is not set up (no key check)');
    if (keyId !== key.id) {
      throw new BackupError(
        'wrong_key',
        `the store is sealed with data key ${keyId}, not ${key.id} (a key rotation ran meanwhile?); run the backup again`,
      );
    }
    const check = db.prepare(`SELECT value FROM meta WHERE name = 'key_check'`).get() as { value: string };
    if (openSealed(key, check.value, SEALED.keyCheck.context).toString('utf8') !== KEY_CHECK_TEXT) {
      throw new BackupError('wrong_key', "the store's key check does not open with the data key");
    }
    return { version: facts ? facts.schemaVersion : schemaVersion(db), facts };
  } finally {
    db.close();
  }
}

async function sealing(
  input: CreateBackupInput,
  version: number,
  createdAt: string,
): Promise<{ header: BackupHeader; fileKey: Buffer }> {
  const common = {
    format: FORMAT,
    version: FORMAT_VERSION,
    createdAt,
    cipher: CIPHER,
    chunkSize: CHUNK_SIZE,
    keyId: input.key.id,
    schemaVersion: version,
  } as const;
  if (input.seal.kind === 'passphrase') {
    const kdf = newScryptKdf();
    input.onProgress?.('key', 0, 1);
    const fileKey = await passphraseKey(input.seal.passphrase, kdf);
    return { header: { ...common, sealedWith: 'passphrase', kdf, keyCheck: keyCheck(fileKey) }, fileKey };
  }
  const kdf = newHkdfKdf();
  const fileKey = dataKeyFileKey(input.key, kdf);
  return { header: { ...common, sealedWith: 'data-key', kdf, keyCheck: keyCheck(fileKey) }, fileKey };
}

async function readOptional(file: string | undefined): Promise<string | null> {
  if (!file) return null;
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function checkInterrupted(input: CreateBackupInput): void {
  if (input.interrupted?.()) throw new BackupInterrupted();
}
