/**
 * Replacing the whole content of the live store with another store file's, in
 * ONE write transaction on the live file (restore's swap).
 *
 * Why not rename a new file over the old one: the store runs in WAL mode, and
 * a process that has it open (a running listener) keeps its -wal and -shm; a
 * file renamed in under them is paired with the old file's log and corrupted.
 * One transaction instead gives what a rename would, and more: every reader
 * sees the old content or the new, never a mix; a crash before COMMIT leaves
 * the old content (WAL rollback); a running listener's next request sees the
 * new content, with no reopen and no failed request — its writes wait on the
 * lock (busy timeout) while the swap commits.
 *
 * Each table is copied as `INSERT INTO main.t SELECT * FROM incoming.t` into
 * the emptied table: SQLite's transfer optimisation then copies the table's
 * and each index's b-tree in key order, page after page, instead of inserting
 * row by row into every index at random places (5–10× faster on a large
 * store, and the write lock is held that much less). It copies index entries
 * — and a WITHOUT ROWID table's own b-tree, its primary key — as they are in
 * the incoming file, and does not test UNIQUE, so the caller must hand over a
 * file whose indexes were rebuilt from its rows (restore: openBackup's
 * checkAndRebuild — REINDEX, which does test it).
 *
 * The caller also vouches for the incoming file's foreign keys (restore: it
 * passed `foreign_key_check` when verified, and every later write to it ran
 * with foreign keys enforced); every table is copied whole, so the result has
 * exactly its rows. Both files must be at the same schema version (the caller
 * migrates the incoming one first).
 */
import type { DatabaseSync } from 'node:sqlite';
import { StoreError } from '../errors.js';
import { schemaVersion, writeTransaction } from './database.js';
import { tableNames } from './snapshot.js';

export function replaceContents(
  db: DatabaseSync,
  sourceFile: string,
  options: { beforeCommit?: () => void; onTable?: (name: string, done: number, total: number) => void } = {},
): void {
  // No cascades fire while the old rows go, and the transfer optimisation
  // applies only with foreign keys off. The pragma only takes effect outside
  // a transaction.
  db.exec('PRAGMA foreign_keys = OFF');
  db.prepare('ATTACH DATABASE ? AS incoming').run(sourceFile);
  try {
    const incomingVersion = (db.prepare('PRAGMA incoming.user_version').get() as { user_version: number })
      .user_version;
    if (incomingVersion !== schemaVersion(db)) {
      throw new StoreError(
        'conflict',
        `cannot swap in a store at schema ${incomingVersion} over one at ${schemaVersion(db)}`,
      );
    }
    const tables = tableNames(db);
    const incoming = new Set(tableNames(db, 'incoming'));
    const missing = tables.filter((t) => !incoming.has(t));
    if (missing.length > 0 || incoming.size !== tables.length) {
      throw new StoreError('conflict', `the two stores do not have the same tables (${missing.join(', ')})`);
    }
    const copies = tables.map((t) => copyStatement(db, t));
    writeTransaction(db, () => {
      for (const t of tables) db.exec(`DELETE FROM main."${t}"`);
      copies.forEach((sql, i) => {
        db.exec(sql);
        options.onTable?.(tables[i] as string, i + 1, tables.length);
      });
      // AUTOINCREMENT counters: the copy above wrote its own rows here; take the incoming ones instead.
      if (hasSequence(db, 'main') && hasSequence(db, 'incoming')) {
        db.exec('DELETE FROM main.sqlite_sequence');
        db.exec(
          'INSERT INTO main.sqlite_sequence (name, seq) SELECT name, seq FROM incoming.sqlite_sequence',
        );
      }
      options.beforeCommit?.();
    });
  } finally {
    db.exec('DETACH DATABASE incoming');
    db.exec('PRAGMA foreign_keys = ON');
  }
}

/**
 * `SELECT *` — what the transfer optimisation needs — for a table with the
 * same columns in the same order in both files (always, at the same schema
 * version). Named columns otherwise, so a difference can never shift values
 * between columns.
 *
 * A WITHOUT ROWID table (tokens) is copied the same way: its own b-tree is
 * its primary key's index, and the REINDEX that verification ran rebuilt it
 * like any other index (sorted again from the rows, the primary key tested
 * for repeats; snapshot.ts checkAndRebuild). Copying its pages and its
 * indexes' pages takes less than half the time of inserting its rows and
 * building its indexes again, and the write lock is held that much less.
 */
function copyStatement(db: DatabaseSync, table: string): string {
  const columns = (schema: string) =>
    (db.prepare(`PRAGMA ${schema}.table_info("${table}")`).all() as { name: string }[])
      .map((c) => `"${c.name}"`)
      .join(', ');
  const list = columns('main');
  return list === columns('incoming')
    ? `INSERT INTO main."${table}" SELECT * FROM incoming."${table}"`
    : `INSERT INTO main."${table}" (${list}) SELECT ${list} FROM incoming."${table}"`;
}

function hasSequence(db: DatabaseSync, schema: string): boolean {
  return (
    db
      .prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'`)
      .get() !== undefined
  );
}
