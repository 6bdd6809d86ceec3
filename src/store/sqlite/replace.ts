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
 * Both files must be at the same schema version (the caller migrates the
 * incoming one first).
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
  // Foreign keys are checked once, over the finished copy, not row by row
  // (and no cascades fire while the old rows go). The pragma only takes effect
  // outside a transaction.
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
    writeTransaction(db, () => {
      for (const t of tables) db.exec(`DELETE FROM main."${t}"`);
      tables.forEach((t, i) => {
        const columns = (db.prepare(`PRAGMA main.table_info("${t}")`).all() as { name: string }[])
          .map((c) => `"${c.name}"`)
          .join(', ');
        db.exec(`INSERT INTO main."${t}" (${columns}) SELECT ${columns} FROM incoming."${t}"`);
        options.onTable?.(t, i + 1, tables.length);
      });
      // AUTOINCREMENT counters: the copy above wrote its own rows here; take the incoming ones instead.
      if (hasSequence(db, 'main') && hasSequence(db, 'incoming')) {
        db.exec('DELETE FROM main.sqlite_sequence');
        db.exec(
          'INSERT INTO main.sqlite_sequence (name, seq) SELECT name, seq FROM incoming.sqlite_sequence',
        );
      }
      const orphans = db.prepare('PRAGMA main.foreign_key_check').all();
      if (orphans.length > 0) {
        throw new StoreError(
          'corrupt',
          `the incoming store has ${orphans.length} rows whose parent row is missing`,
        );
      }
      options.beforeCommit?.();
    });
  } finally {
    db.exec('DETACH DATABASE incoming');
    db.exec('PRAGMA foreign_keys = ON');
  }
}

function hasSequence(db: DatabaseSync, schema: string): boolean {
  return (
    db
      .prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'`)
      .get() !== undefined
  );
}
