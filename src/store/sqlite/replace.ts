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
 * as they are in the incoming file, and does not test UNIQUE, so the caller
 * must hand over a file whose indexes were rebuilt from its rows (restore:
 * openBackup's rebuildIndexes — REINDEX, which does test it).
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
    const copies = tables.map((t) => copyStatements(db, t));
    writeTransaction(db, () => {
      for (const t of tables) db.exec(`DELETE FROM main."${t}"`);
      copies.forEach((statements, i) => {
        for (const sql of statements) db.exec(sql);
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
 * `SELECT *` — what the transfer optimisation needs — for a rowid table with
 * the same columns in the same order in both files (always, at the same
 * schema version). Named columns otherwise, so a difference can never shift
 * values between columns.
 *
 * A WITHOUT ROWID table's primary key is the table's own b-tree, which REINDEX
 * does not rebuild: its rows are inserted one by one in key order, so its
 * uniqueness is enforced on the way in. Its other indexes are dropped first
 * and built again after, from the rows (sorted, UNIQUE tested): kept, every
 * row would have been inserted into each of them at a random place — for the
 * tokens table's hash index, 3 s of a 100,000-grant restore.
 */
function copyStatements(db: DatabaseSync, table: string): string[] {
  const columns = (schema: string) =>
    db.prepare(`PRAGMA ${schema}.table_info("${table}")`).all() as { name: string; pk: number }[];
  const main = columns('main');
  const list = main.map((c) => `"${c.name}"`).join(', ');
  const withoutRowid = (db.prepare(`PRAGMA main.table_list("${table}")`).get() as { wr: number }).wr === 1;
  if (!withoutRowid) {
    const same =
      list ===
      columns('incoming')
        .map((c) => `"${c.name}"`)
        .join(', ');
    return [
      same
        ? `INSERT INTO main."${table}" SELECT * FROM incoming."${table}"`
        : `INSERT INTO main."${table}" (${list}) SELECT ${list} FROM incoming."${table}"`,
    ];
  }
  const key = main
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => `"${c.name}"`);
  const indexes = db
    .prepare(
      `SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`,
    )
    .all(table) as { name: string; sql: string }[];
  return [
    ...indexes.map((i) => `DROP INDEX main."${i.name}"`),
    `INSERT INTO main."${table}" (${list}) SELECT ${list} FROM incoming."${table}" ORDER BY ${key.join(', ')}`,
    ...indexes.map((i) => i.sql),
  ];
}

function hasSequence(db: DatabaseSync, schema: string): boolean {
  return (
    db
      .prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'`)
      .get() !== undefined
  );
}
