/**
 * Consistent copies of a live store, and what can be learned from a copy
 * without the key: schema version, key binding, row counts, integrity.
 *
 * A snapshot is `VACUUM INTO` a new file on its own connection: one read
 * transaction, so the copy is consistent even while a listener writes (in WAL
 * mode a reader never blocks the writer, nor the writer a reader), and SQLite
 * copies page by page, so memory does not grow with the store.
 */
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { sealedKeyId } from '../../crypto/aead.js';
import { StoreError } from '../errors.js';
import { openDatabase, schemaVersion, translate } from './database.js';

export function snapshotStore(storeFile: string, target: string): void {
  if (!existsSync(storeFile)) {
    throw new StoreError('not_initialised', `no store at ${storeFile}. Run: ma-auth init`);
  }
  const db = openDatabase(storeFile);
  try {
    db.prepare('VACUUM INTO ?').run(target);
  } catch (err) {
    throw translate(err, storeFile);
  } finally {
    db.close();
  }
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

export function storeFacts(db: DatabaseSync, now: number): StoreFacts {
  const tables: Record<string, number> = {};
  for (const name of tableNames(db)) {
    tables[name] = (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
  }
  const activeGrants =
    'grants' in tables && 'tokens' in tables
      ? (
          db
            .prepare(
              `SELECT count(*) AS n FROM grants g WHERE g.revoked_at IS NULL AND EXISTS
                 (SELECT 1 FROM tokens t WHERE t.grant_id = g.id AND t.revoked_at IS NULL
                    AND t.superseded_at IS NULL AND t.expires_at > ?)`,
            )
            .get(now) as { n: number }
        ).n
      : 0;
  return { schemaVersion: schemaVersion(db), keyId: keyBindingOf(db), tables, activeGrants };
}

export function keyBindingOf(db: DatabaseSync): string | null {
  const row = db.prepare(`SELECT value FROM meta WHERE name = 'key_check'`).get() as
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

/** SQLite's own checks: page structure, indexes, and foreign keys. Throws `corrupt`. */
export function checkIntegrity(db: DatabaseSync, file: string): void {
  const rows = db.prepare('PRAGMA integrity_check(20)').all() as { integrity_check: string }[];
  const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
  if (problems.length > 0) {
    throw new StoreError(
      'corrupt',
      `${file} fails SQLite's integrity check: ${problems.slice(0, 3).join('; ')}`,
    );
  }
  const orphans = db.prepare('PRAGMA foreign_key_check').all();
  if (orphans.length > 0) {
    throw new StoreError('corrupt', `${file} has ${orphans.length} rows whose parent row is missing`);
  }
}

/** Opens a snapshot file (not the live store: no WAL, no migration). */
export function openSnapshot(file: string, options: { readOnly?: boolean } = {}): DatabaseSync {
  try {
    const db = new DatabaseSync(file, {
      readOnly: options.readOnly ?? false,
      enableForeignKeyConstraints: true,
    });
    db.exec('PRAGMA synchronous = FULL');
    return db;
  } catch (err) {
    throw translate(err, file);
  }
}
