/**
 * Opening the SQLite file the way every process must, so the CLI and a running
 * listener can share it safely:
 *
 * - WAL: readers never block the writer, and the writer never blocks readers.
 * - synchronous=FULL: with WAL, every COMMIT fsyncs the log before it returns,
 *   which is what makes "durable before it answers" true. The listener's
 *   connection runs NORMAL and fsyncs the log itself before it answers, on
 *   libuv's thread pool (wal-sync.ts).
 * - busy timeout: a process that finds the write lock taken waits for it
 *   instead of surfacing SQLITE_BUSY.
 * - foreign keys on; writes start with BEGIN IMMEDIATE, so two writers queue on
 *   the lock up front rather than deadlocking on a read-to-write upgrade.
 */
import { closeSync, openSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { StoreError } from '../errors.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';

export const BUSY_TIMEOUT_MS = 10_000;
export const WAL_CHECKPOINT_PAGES = 10_000;

export interface DatabaseOptions {
  readonly readOnly?: boolean;
  /** The listener's connection: a larger page cache, temporary data in memory, its WAL synced by the caller (wal-sync.ts). */
  readonly listener?: boolean;
}

/**
 * The listener's SQLite page cache (default ~2 MiB). A token insert lands on
 * a random page of the hash index, and every miss is a read from the OS. A
 * fixed size, so memory stays flat however large the store grows.
 */
const LISTENER_PAGE_CACHE_MIB = 24;

export function openDatabase(file: string, options: DatabaseOptions = {}): DatabaseSync {
  let db: DatabaseSync;
  if (!options.readOnly) createPrivate(file);
  try {
    db = new DatabaseSync(file, {
      timeout: BUSY_TIMEOUT_MS,
      enableForeignKeyConstraints: true,
      readOnly: options.readOnly ?? false,
    });
  } catch (err) {
    throw new StoreError('unavailable', `cannot open the store ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    if (!options.readOnly) db.exec('PRAGMA journal_mode = WAL');
    // The listener's connection syncs its WAL itself, off the event loop
    // (wal-sync.ts, group-commit.ts); every other connection lets COMMIT do it.
    db.exec(options.listener ? 'PRAGMA synchronous = NORMAL' : 'PRAGMA synchronous = FULL');
    // Checkpoint every ~40 MiB of WAL instead of SQLite's 4 MiB: a page
    // rewritten many times between checkpoints is copied back once, and the
    // token endpoint rewrites the same index pages constantly. The WAL is
    // truncated back to this size after a checkpoint. (The listener
    // checkpoints from a worker thread instead: wal-checkpoints.ts.)
    setAutocheckpoint(db, true);
    if (options.listener) {
      db.exec(`PRAGMA cache_size = -${LISTENER_PAGE_CACHE_MIB * 1024}`);
      // Savepoints (group commit's fallback, group-commit.ts) journal into temp
      // storage: memory, not a temporary file written page by page. Only here:
      // the listener's transactions are small, while restore or rotate-key
      // over a large store would hold their temporary data in memory.
      db.exec('PRAGMA temp_store = MEMORY');
    }
    return db;
  } catch (err) {
    db.close();
    throw translate(err, file);
  }
}

/**
 * SQLite's own checkpoint after a COMMIT that grew the WAL past the limit; the
 * listener turns it off and checkpoints from a worker thread instead
 * (wal-checkpoints.ts), and back on if that worker fails.
 */
export function setAutocheckpoint(db: DatabaseSync, on: boolean): void {
  db.exec(`PRAGMA wal_autocheckpoint = ${on ? WAL_CHECKPOINT_PAGES : 0}`);
  if (on) setWalSizeLimit(db, WAL_CHECKPOINT_PAGES);
}

/**
 * The size, in pages, the WAL file is cut back to when SQLite rewinds it.
 * Cut below what the log reaches between rewinds, it grows again every time,
 * and while a file grows each fdatasync of it also commits the file system's
 * journal (its size changed): every group commit's flush gets slower.
 */
export function setWalSizeLimit(db: DatabaseSync, pages: number): void {
  const { page_size: pageSize } = db.prepare('PRAGMA page_size').get() as { page_size: number };
  db.exec(`PRAGMA journal_size_limit = ${pages * pageSize}`);
}

/**
 * Runs `fn` in a write transaction (BEGIN IMMEDIATE … COMMIT); rolls back if it
 * throws, or if `keep` says its result is not to be kept (a dry run).
 */
export function writeTransaction<T>(db: DatabaseSync, fn: () => T, keep?: (result: T) => boolean): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec(keep === undefined || keep(result) ? 'COMMIT' : 'ROLLBACK');
    return result;
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  return row.user_version;
}

/**
 * Brings the schema up to date, one migration per transaction. Safe when two
 * processes open a new file at once: the version is re-read under the lock.
 */
export function migrate(db: DatabaseSync, file: string): number {
  const found = schemaVersion(db);
  if (found > LATEST_SCHEMA_VERSION) {
    throw new StoreError(
      'newer_schema',
      `the store ${file} has schema version ${found}, written by a newer ma-auth (this one knows up to ${LATEST_SCHEMA_VERSION}). Upgrade ma-auth.`,
    );
  }
  for (let target = found + 1; target <= LATEST_SCHEMA_VERSION; target++) {
    writeTransaction(db, () => {
      if (schemaVersion(db) >= target) return;
      db.exec(MIGRATIONS[target - 1] as string);
      db.exec(`PRAGMA user_version = ${target}`);
    });
  }
  return schemaVersion(db);
}

export function translate(err: unknown, file: string): StoreError {
  const e = err as { errcode?: number; message?: string };
  // SQLITE_CORRUPT (11) and SQLITE_NOTADB (26): the file is not a usable store.
  if (e.errcode === 11 || e.errcode === 26) {
    return new StoreError('corrupt', `the store ${file} is damaged or not an ma-auth store (${e.message})`, {
      cause: err,
    });
  }
  return new StoreError('unavailable', `store ${file}: ${e.message ?? String(err)}`, { cause: err });
}

/**
 * Create the file 0600 before SQLite does (it would use the umask, often 0644);
 * SQLite then gives the -wal and -shm files the same mode as the database.
 */
function createPrivate(file: string): void {
  try {
    closeSync(openSync(file, 'a', 0o600));
  } catch {
    // Reported with a better message by the open that follows.
  }
}
