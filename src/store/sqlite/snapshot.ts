/**
 * Consistent copies of a live store, and what can be learned from a copy
 * without the key: schema version, key binding, row counts, integrity.
 *
 * A snapshot is `VACUUM INTO` a new file on its own connection and thread:
 * one read transaction, so the copy is consistent even while a listener
 * writes (in WAL mode a reader never blocks the writer, nor the writer a
 * reader), and SQLite copies page by page, so memory does not grow with the
 * store.
 */
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { sealedKeyId } from '../../crypto/aead.js';
import { StoreError } from '../errors.js';
import { BUSY_TIMEOUT_MS, openDatabase, schemaVersion, translate } from './database.js';
import { checkAndReindexOnWorker, QuickCheckFailed } from './rebuild-worker.js';
import { vacuumIntoOnWorker } from './snapshot-worker.js';

export async function snapshotStore(storeFile: string, target: string): Promise<void> {
  if (!existsSync(storeFile)) {
    throw new StoreError('not_initialised', `no store at ${storeFile}. Run: ma-auth init`);
  }
  // On its own thread and connection (snapshot-worker.ts: why; the pragmas it sets).
  await vacuumIntoOnWorker(storeFile, target, BUSY_TIMEOUT_MS).catch((err: unknown) => {
    throw translate(err, storeFile);
  });
}

export interface StoreFacts {
  readonly schemaVersion: number;
  /** The key id of the store's key check, or null before set-up. */
  readonly keyId: string | null;
  /** Rows per table. */
  readonly tables: Readonly<Record<string, number>>;
  /** Grants not revoked that still hold a live token (as `ma-auth status` counts them). */
  readonly activeGrants: number;
}

/**
 * With `throughTables`, every row is read from its table's own b-tree and
 * never through an index, and no answer depends on the order of keys in a
 * tree: for a file whose indexes are being rebuilt (restore counts a
 * snapshot beside its REINDEX; snapshot.ts checkAndRebuild). `NOT INDEXED`
 * alone is not enough for a WITHOUT ROWID table: SQLite still searches its
 * secondary index for a term on an indexed column (`expires_at > ?` uses
 * tokens_expires), so that term is written `+expires_at`, which no index
 * can serve; and active grants come from one scan of each table (the IN
 * list is built from the tokens' rows) rather than a search by key.
 */
export function storeFacts(
  db: DatabaseSync,
  now: number,
  options: { throughTables?: boolean } = {},
): StoreFacts {
  const throughTables = options.throughTables ?? false;
  const tables: Record<string, number> = {};
  for (const name of tableNames(db)) {
    const from = `"${name}"${throughTables ? ' NOT INDEXED' : ''}`;
    tables[name] = (db.prepare(`SELECT count(*) AS n FROM ${from}`).get() as { n: number }).n;
  }
  const activeGrants =
    'grants' in tables && 'tokens' in tables
      ? (db.prepare(throughTables ? ACTIVE_GRANTS_BY_SCAN : ACTIVE_GRANTS).get(now) as { n: number }).n
      : 0;
  return {
    schemaVersion: schemaVersion(db),
    keyId: keyBindingOf(db, { throughTables }),
    tables,
    activeGrants,
  };
}

const ACTIVE_GRANTS = `SELECT count(*) AS n FROM grants g WHERE g.revoked_at IS NULL AND EXISTS
  (SELECT 1 FROM tokens t WHERE t.grant_id = g.id AND t.revoked_at IS NULL
     AND t.superseded_at IS NULL AND t.expires_at > ?)`;

const ACTIVE_GRANTS_BY_SCAN = `SELECT count(*) AS n FROM grants g NOT INDEXED WHERE g.revoked_at IS NULL AND g.id IN
  (SELECT t.grant_id FROM tokens t NOT INDEXED WHERE t.revoked_at IS NULL
     AND t.superseded_at IS NULL AND +t.expires_at > ?)`;

export function keyBindingOf(db: DatabaseSync, options: { throughTables?: boolean } = {}): string | null {
  const meta = options.throughTables ? 'meta NOT INDEXED' : 'meta';
  const row = db.prepare(`SELECT value FROM ${meta} WHERE name = 'key_check'`).get() as
    | { value: string }
    | undefined;
  return row ? sealedKeyId(row.value) : null;
}

/** The key id the store at `file` is bound to, or null when there is no store (or it is not set up). */
export function readKeyBinding(file: string): string | null {
  if (!existsSync(file)) return null;
  const db = openDatabase(file);
  try {
    return keyBindingOf(db);
  } catch (err) {
    throw translate(err, file);
  } finally {
    db.close();
  }
}

/** User tables (not SQLite's own), in creation order. */
export function tableNames(db: DatabaseSync, schema = 'main'): string[] {
  return (
    db
      .prepare(
        `SELECT name FROM ${schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid`,
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
}

/**
 * SQLite's own checks, then foreign keys. Throws `corrupt`.
 *
 * - checkIntegrity: `integrity_check` — page structure, every row (NOT NULL,
 *   CHECK, column types), every index against its table row by row, UNIQUE.
 * - checkAndRebuild (a file in WAL mode): `quick_check` — the same but
 *   matching indexes against tables and UNIQUE — then every index rebuilt
 *   from the rows by REINDEX, which enforces UNIQUE again (rebuildError). For
 *   a caller that will use the file's indexes, as restore's swap copies them:
 *   none of their old content is left to check. Matching each row with each
 *   index is most of integrity_check's time (≈ 90 % at 100,000 grants);
 *   rebuilding costs less than half of it.
 *
 * `foreign_key_check` comes last: it finds parent rows through their
 * indexes, which are sound by then either way.
 */
export function checkIntegrity(db: DatabaseSync, file: string): void {
  integrityCheck(db, file);
  checkForeignKeys(db, file);
}

/**
 * The rebuilding check: quick_check and then REINDEX on a worker thread
 * (rebuild-worker.ts) while `meanwhile` runs on this one, for a snapshot
 * `db` opened in WAL mode (its only other connection is the worker's); then
 * foreign keys, unless the caller checks them later (`foreignKeys: false`:
 * restore does, beside its swap's copy — 0.14–0.18 s at 100,000 grants and
 * 600,000 tokens that would otherwise be on its path).
 *
 * `meanwhile` sees the file as it was before the rebuild, so it must read
 * through table b-trees only, never through an index (`NOT INDEXED`, as
 * reseal.ts's walk reads), and must not rely on the order of keys in a tree
 * (REINDEX also rebuilds a WITHOUT ROWID table's own tree). Under `NOT
 * INDEXED` SQLite (3.53) still searches a WITHOUT ROWID table's secondary
 * index for a term on an indexed column (`SELECT count(*) FROM tokens NOT
 * INDEXED WHERE expires_at > ?` searches tokens_expires): the store's counts
 * taken meanwhile (open.ts) go through `storeFacts(…, { throughTables })`,
 * which writes such terms so that no index can serve them. restore.test.ts
 * checks the counts against a skewed index and against a tokens tree out of
 * key order.
 *
 * `meanwhile` runs while quick_check is still looking at those trees —
 * starting it after would put 0.3 s at 100,000 grants on the restore's
 * path. That is safe: the file is what a backup wrote (its chunks
 * authenticated), SQLite answers SQLITE_CORRUPT for a malformed page rather
 * than misreading it, and the caller reports what `meanwhile` met only once
 * these checks have passed (open.ts), so a damaged file is always refused
 * for what the checks found.
 */
export async function checkAndRebuild(
  db: DatabaseSync,
  name: string,
  file: string,
  options: { readonly foreignKeys: boolean },
  meanwhile: () => void,
): Promise<void> {
  const rebuilt = checkAndReindexOnWorker(file, MAX_PROBLEMS);
  try {
    meanwhile();
  } finally {
    // Never leave the thread writing to a file the caller may remove.
    await rebuilt.catch(() => {});
  }
  await rebuilt.catch((err) => {
    throw err instanceof QuickCheckFailed ? checkFailed(name, err.problems) : rebuildError(err, name);
  });
  if (options.foreignKeys) checkForeignKeys(db, name);
}

/** How many of SQLite's messages a check collects; the error shows three. */
const MAX_PROBLEMS = 20;

function integrityCheck(db: DatabaseSync, file: string): void {
  const rows = db.prepare(`PRAGMA integrity_check(${MAX_PROBLEMS})`).all() as { integrity_check: string }[];
  const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
  if (problems.length > 0) throw checkFailed(file, problems);
}

function checkFailed(file: string, problems: readonly string[]): StoreError {
  return new StoreError(
    'corrupt',
    `${file} fails SQLite's integrity check: ${problems.slice(0, 3).join('; ')}`,
  );
}

/**
 * `foreign_key_check`, through the parents' indexes: on a file whose indexes
 * are sound (checked, or rebuilt). Throws `corrupt`.
 */
export function checkForeignKeys(db: DatabaseSync, file: string): void {
  const orphans = db.prepare('PRAGMA foreign_key_check').all();
  if (orphans.length > 0) {
    throw new StoreError('corrupt', `${file} has ${orphans.length} rows whose parent row is missing`);
  }
}

/**
 * REINDEX rebuilds every index of the file from its tables' rows: after it,
 * no index entry comes from the file as it was. That includes a WITHOUT ROWID
 * table's own b-tree — its primary key's index: REINDEX reads its rows out,
 * sorts them again and writes a new b-tree, so a tree out of order is put in
 * order (neither integrity check looks at the order of keys in it). A UNIQUE
 * index or primary key whose rows repeat a value fails: `corrupt`.
 */
function rebuildError(err: unknown, file: string): StoreError {
  const e = err as { errcode?: number; message?: string };
  // SQLITE_CONSTRAINT_UNIQUE (2067) / _PRIMARYKEY (1555): rows that break a UNIQUE index.
  if (e.errcode === 2067 || e.errcode === 1555) {
    return new StoreError('corrupt', `${file} breaks a unique index: ${e.message}`, { cause: err });
  }
  return translate(err, file);
}

/**
 * Opens a snapshot file (not the live store: no migration; WAL only when
 * restore verifies it, so its indexes can be rebuilt beside a reader).
 *
 * Without fsync (synchronous = OFF): a snapshot is a temporary file that
 * nothing relies on after a crash — it is removed by the next run
 * (ops/backup/temp-files.ts), the live store is untouched until restore's
 * swap, and the swap's own commit to the live store is what makes restored
 * content durable. Restore's writes to it (migration, re-seal, REINDEX) would
 * otherwise sync its rollback journal dozens of times.
 */
export function openSnapshot(file: string, options: { readOnly?: boolean } = {}): DatabaseSync {
  try {
    const db = new DatabaseSync(file, {
      readOnly: options.readOnly ?? false,
      enableForeignKeyConstraints: true,
    });
    db.exec('PRAGMA synchronous = OFF');
    return db;
  } catch (err) {
    throw translate(err, file);
  }
}
