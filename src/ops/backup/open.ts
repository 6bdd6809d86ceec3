/**
 * Reading a backup: the header (in clear), then every chunk — authenticated
 * one by one — into a temporary snapshot file, then the snapshot itself:
 * SQLite's integrity check, the schema version and key id the header
 * promised, the key check, and every sealed value opened. Only a backup that
 * passes all of it is handed to `restore`; `backup --verify` stops there.
 */
import { timingSafeEqual } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { open as openSealed } from '../../crypto/aead.js';
import { type DataKey, decodeKey } from '../../keys/data-key.js';
import { LATEST_SCHEMA_VERSION } from '../../store/sqlite/migrations.js';
import { openAllSealed } from '../../store/sqlite/reseal.js';
import { SEALED } from '../../store/sqlite/sealed-fields.js';
import {
  checkAndRebuild,
  checkForeignKeys,
  checkIntegrity,
  openSnapshot,
  type StoreFacts,
  storeFacts,
} from '../../store/sqlite/snapshot.js';
import { KEY_CHECK_TEXT } from '../../store/sqlite/sqlite-store.js';
import { openChunks } from '../backup-format/chunks.js';
import { BackupError } from '../backup-format/errors.js';
import { dataKeyFileKey, keyCheck, passphraseKey } from '../backup-format/file-key.js';
import { type BackupHeader, readHeader } from '../backup-format/header.js';
import { type Manifest, PayloadWriter } from '../backup-format/payload.js';
import { crashPoint } from '../crash-point.js';
import type { OnProgress } from './create.js';
import { removeDbFiles, removeStaleTemps, tempFile } from './temp-files.js';

export interface BackupInfo {
  readonly file: string;
  readonly bytes: number;
  readonly header: BackupHeader;
}

/** The header only, checked: enough to know what the file needs and whether this ma-auth can read it. */
export async function readBackupInfo(file: string): Promise<BackupInfo> {
  const fh = await openFile(file);
  try {
    const { size } = await fh.stat();
    const { header } = await readHeader(fh, size, file);
    refuseNewer(header, file);
    return { file, bytes: size, header };
  } finally {
    await fh.close();
  }
}

export interface OpenBackupInput {
  readonly file: string;
  /** Asked only for a passphrase backup. */
  readonly passphrase: () => Promise<string>;
  /** This install's data key, for a backup sealed with the data key. */
  readonly currentKey: DataKey | null;
  /** Where the snapshot is decrypted to (the data dir, beside the store). */
  readonly workDir: string;
  readonly now: number;
  readonly onProgress?: OnProgress;
  /**
   * Rebuild every index of the snapshot from its rows instead of checking
   * them against the rows (snapshot.ts checkAndRebuild), before anything
   * reads through them: for restore, whose swap copies the snapshot's
   * indexes as they are. The sealed values are opened (unless deferChecks)
   * and the store is counted meanwhile, on this thread.
   * Otherwise — `backup --verify`, `init --force` — the full
   * integrity_check, and the snapshot is left as it is.
   */
  readonly rebuildIndexes?: boolean;
  /**
   * With rebuildIndexes, and a backup sealed with `currentKey` (nothing to
   * re-seal): leave the checks that need only the rebuilt file — every
   * sealed value opened, and foreign keys — to the caller
   * (`finishVerification`, which restore runs beside its swap, while the
   * swap cannot commit). `verified` says whether they were left.
   */
  readonly deferChecks?: boolean;
  /**
   * Work of the caller's to run while the file key is derived — for a
   * passphrase, scrypt on the thread pool, half a second in which the event
   * loop has nothing else to do. Called once the passphrase is in hand, never
   * for a file refused before that; its failure fails the opening.
   */
  readonly whileKeyDerives?: () => Promise<void>;
}

export interface OpenedBackup extends BackupInfo {
  readonly manifest: Manifest;
  /** The decrypted, verified snapshot (a temporary file; `discard` removes it). */
  readonly snapshotFile: string;
  /** The data key that sealed the snapshot's fields. */
  readonly snapshotKey: DataKey;
  readonly facts: StoreFacts;
  /** The `now` that `facts` were counted at (active grants depend on it). */
  readonly countedAt: number;
  /** Whether every check was made; if not, `finishVerification` must run before the snapshot is used. */
  readonly verified: boolean;
  discard(): Promise<void>;
}

export async function openBackup(input: OpenBackupInput): Promise<OpenedBackup> {
  const fh = await openFile(input.file);
  await removeStaleTemps(input.workDir);
  const snapshotFile = tempFile(input.workDir, 'restore');
  const discard = () => removeDbFiles(snapshotFile);
  try {
    const { size } = await fh.stat();
    const { header, bytes: aad } = await readHeader(fh, size, input.file);
    refuseNewer(header, input.file);
    const fileKey = await fileKeyFor(header, input);
    const out = await open(snapshotFile, 'wx', 0o600);
    const payload = new PayloadWriter(out, input.file);
    try {
      await openChunks({
        file: fh,
        name: input.file,
        start: aad.length,
        size,
        key: fileKey,
        aad,
        chunkSize: header.chunkSize,
        sink: async (plaintext) => {
          await payload.sink(plaintext);
          crashPoint('open:chunk');
        },
        onProgress: (done, total) => input.onProgress?.('decrypt', done, total),
      });
      // Not fsynced: a temporary file, nothing relies on it after a crash (openSnapshot).
      await payload.finish();
    } finally {
      await out.close();
    }
    const manifest = payload.manifest();
    const snapshotKey = snapshotKeyFor(header, manifest, input);
    const verified = !(
      input.deferChecks &&
      input.rebuildIndexes &&
      input.currentKey !== null &&
      snapshotKey.id === input.currentKey.id
    );
    const facts = await verifySnapshot(snapshotFile, header, snapshotKey, { ...input, verified });
    return {
      file: input.file,
      bytes: size,
      header,
      manifest,
      snapshotFile,
      snapshotKey,
      facts,
      countedAt: input.now,
      verified,
      discard,
    };
  } catch (err) {
    await discard();
    throw err;
  } finally {
    await fh.close();
  }
}

function refuseNewer(header: BackupHeader, file: string): void {
  if (header.schemaVersion > LATEST_SCHEMA_VERSION) {
    throw new BackupError(
      'newer_schema',
      `${file} holds a store at schema version ${header.schemaVersion}, written by a newer ma-auth (this one knows up to ${LATEST_SCHEMA_VERSION}). Upgrade ma-auth to restore it.`,
    );
  }
}

async function fileKeyFor(header: BackupHeader, input: OpenBackupInput): Promise<Buffer> {
  let fileKey: Buffer;
  if (header.kdf.name === 'scrypt') {
    const passphrase = await input.passphrase();
    input.onProgress?.('key', 0, 1);
    [fileKey] = await Promise.all([passphraseKey(passphrase, header.kdf), input.whileKeyDerives?.()]);
  } else {
    const key = input.currentKey;
    if (!key || key.id !== header.keyId) {
      throw new BackupError(
        'wrong_key',
        `${input.file} was sealed with data key ${header.keyId}${key ? `, and the data key here is ${key.id}` : ', and no data key is set up here'}. ` +
          'A backup made with --with-key opens only with the key that made it (a passphrase backup opens anywhere).',
      );
    }
    fileKey = dataKeyFileKey(key, header.kdf);
    await input.whileKeyDerives?.();
  }
  const expected = Buffer.from(header.keyCheck, 'base64url');
  const actual = Buffer.from(keyCheck(fileKey), 'base64url');
  if (!timingSafeEqual(expected, actual)) {
    if (header.kdf.name === 'scrypt') {
      throw new BackupError(
        'wrong_passphrase',
        `wrong passphrase for ${input.file} (or its header was modified)`,
      );
    }
    throw new BackupError(
      'tampered',
      `${input.file}: the header was modified (its key check does not match)`,
    );
  }
  return fileKey;
}

function snapshotKeyFor(header: BackupHeader, manifest: Manifest, input: OpenBackupInput): DataKey {
  const key = manifest.dataKey ? decodeKey(manifest.dataKey) : input.currentKey;
  if (!key || key.id !== header.keyId) {
    throw new BackupError(
      'bad_snapshot',
      `${input.file}: the backup does not carry the data key it names (${header.keyId})`,
    );
  }
  return key;
}

function unusable(file: string, what: string, cause?: unknown): BackupError {
  return new BackupError('bad_snapshot', `${file}: the store inside is not usable (${what})`, { cause });
}

/** A failure while reading the snapshot, as the BackupError that says which backup and why. */
function asUnusable(file: string, err: unknown): BackupError {
  if (err instanceof BackupError) return err;
  return unusable(file, (err as Error).message, err);
}

/**
 * The checks a backup opened with `deferChecks` left (this install's key
 * seals it: they were left only then): foreign keys, then every sealed value
 * opened — in that order, as verification makes them, so that a damaged file
 * is refused for what the checks say. Throws the BackupError verification
 * would have. A no-op if it was verified in full.
 */
export function finishVerification(backup: OpenedBackup, onProgress?: OnProgress): void {
  if (backup.verified) return;
  let db: ReturnType<typeof openSnapshot>;
  try {
    db = openSnapshot(backup.snapshotFile);
  } catch (err) {
    throw asUnusable(backup.file, err);
  }
  try {
    checkForeignKeys(db, 'the snapshot');
    openAllSealed(db, backup.snapshotKey, {
      onProgress: (done, total) => onProgress?.('verify', done, total),
    });
  } catch (err) {
    throw asUnusable(backup.file, err);
  } finally {
    db.close();
  }
}

async function verifySnapshot(
  file: string,
  header: BackupHeader,
  key: DataKey,
  input: OpenBackupInput & { verified: boolean },
): Promise<StoreFacts> {
  const bad = (what: string, cause?: unknown) => unusable(input.file, what, cause);
  let db: ReturnType<typeof openSnapshot>;
  try {
    db = openSnapshot(file, { readOnly: !input.rebuildIndexes });
    // Read here while the worker checks and rebuilds it (checkAndRebuild).
    if (input.rebuildIndexes) db.exec('PRAGMA journal_mode = WAL');
  } catch (err) {
    throw bad((err as Error).message, err);
  }
  const openEverySealed = () =>
    openAllSealed(db, key, { onProgress: (done, total) => input.onProgress?.('verify', done, total) });
  try {
    input.onProgress?.('check', 0, 1);
    // A value that does not open is reported after the checks below, as
    // when they ran first: they say more precisely what is wrong.
    const sealed: { failure?: { err: unknown } } = {};
    let counted: StoreFacts | undefined;
    if (input.rebuildIndexes) {
      // Foreign keys are checked after the rebuild, or with the sealed values.
      await checkAndRebuild(db, 'the snapshot', file, { foreignKeys: input.verified }, () => {
        try {
          if (input.verified) openEverySealed();
        } catch (err) {
          sealed.failure = { err };
        }
        // Counted from the tables' own trees while the indexes are rebuilt,
        // instead of after (a quarter of a second at 100,000 grants). If this
        // fails, the checks say why, or it is counted again below.
        try {
          counted = storeFacts(db, input.now, { throughTables: true });
        } catch {
          // left uncounted: counted below, once the checks have passed
        }
      });
    } else checkIntegrity(db, 'the snapshot');
    const facts = counted ?? storeFacts(db, input.now);
    if (facts.schemaVersion !== header.schemaVersion) {
      throw bad(`schema ${facts.schemaVersion}, the header says ${header.schemaVersion}`);
    }
    if (facts.keyId !== header.keyId)
      throw bad(`sealed with ${facts.keyId}, the header says ${header.keyId}`);
    const check = db.prepare(`SELECT value FROM meta WHERE name = 'key_check'`).get() as { value: string };
    if (openSealed(key, check.value, SEALED.keyCheck.context).toString('utf8') !== KEY_CHECK_TEXT) {
      throw bad('the key check does not verify');
    }
    if (!input.rebuildIndexes) openEverySealed();
    else if (sealed.failure) throw sealed.failure.err;
    return facts;
  } catch (err) {
    throw asUnusable(input.file, err);
  } finally {
    db.close();
  }
}

async function openFile(file: string) {
  try {
    return await open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BackupError('not_a_backup', `${file} does not exist`);
    if (code === 'EISDIR') throw new BackupError('not_a_backup', `${file} is a directory`);
    throw new BackupError('not_a_backup', `cannot read ${file} (${code})`);
  }
}

/** For `restore`: the Music Assistant secret file as it is now, to tell whether the backup changes it. */
export async function currentSecret(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}
