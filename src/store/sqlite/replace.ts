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
 * with foreign keys enforced — or, with `--yes`, the check runs beside the
 * copy, on the file as copied, and the copy commits only if it passes);
 * every table is copied whole, so the result has exactly its rows. Both
 * files must be at the same schema version (the caller migrates the
 * incoming one first).
 *
 * The copy runs on a thread of its own, and commits only once the caller's
 * `alongside` work has succeeded. At 100,000 grants and 600,000 tokens the
 * copy keeps one core busy for about 1.1 s (dev timeline); restore uses the
 * other to check the backup's foreign keys and open every sealed value
 * (0.14–0.18 and 0.55 s) and to finish saving the current store, instead
 * of doing that before. Until COMMIT
 * nothing is changed: a failure of either side rolls the copy back. Like
 * rebuild-worker.ts, the thread's code is a string evaluated by the Worker:
 * no imports of ours, the same from the built package and from the sources.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { StoreError } from '../errors.js';
import { BUSY_TIMEOUT_MS, translate, WAL_CHECKPOINT_PAGES } from './database.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');

class Conflict extends Error {}

/** User tables (not SQLite's own), in creation order (snapshot.ts tableNames). */
function tableNames(db, schema) {
  return db
    .prepare('SELECT name FROM ' + schema + ".sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
    .all()
    .map((r) => r.name);
}

/**
 * SELECT * — what the transfer optimisation needs — for a table with the
 * same columns in the same order in both files (always, at the same schema
 * version). Named columns otherwise, so a difference can never shift values
 * between columns.
 */
function copyStatement(db, table) {
  const columns = (schema) =>
    db.prepare('PRAGMA ' + schema + '.table_info("' + table + '")').all().map((c) => '"' + c.name + '"').join(', ');
  const list = columns('main');
  return list === columns('incoming')
    ? 'INSERT INTO main."' + table + '" SELECT * FROM incoming."' + table + '"'
    : 'INSERT INTO main."' + table + '" (' + list + ') SELECT ' + list + ' FROM incoming."' + table + '"';
}

function hasSequence(db, schema) {
  return db.prepare('SELECT 1 FROM ' + schema + ".sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").get() !== undefined;
}

function failure(err) {
  return err instanceof Conflict
    ? { ok: false, conflict: true, message: err.message }
    : { ok: false, message: String((err && err.message) || err), errcode: err && err.errcode };
}

/** The caller's word, sent whenever it is ready: queued on the port until read here. */
function decision() {
  return new Promise((resolve) => parentPort.once('message', resolve));
}

async function main() {
  let db;
  let reply = { ok: true };
  try {
    // Foreign keys off: no cascades fire while the old rows go, and the
    // transfer optimisation applies only with them off.
    db = new DatabaseSync(workerData.liveFile, { timeout: workerData.busyTimeoutMs, enableForeignKeyConstraints: false });
    // As openDatabase sets up every connection but the listener's: COMMIT
    // fsyncs the WAL; SQLite checkpoints past walCheckpointPages and cuts
    // the WAL back to that size.
    const pageSize = db.prepare('PRAGMA page_size').get().page_size;
    const pages = workerData.walCheckpointPages;
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = ' + pages +
      '; PRAGMA journal_size_limit = ' + pages * pageSize);
  } catch (err) {
    parentPort.postMessage({ type: 'done', reply: failure(err) });
    if (db) db.close();
    return;
  }
  try {
    db.prepare('ATTACH DATABASE ? AS incoming').run(workerData.sourceFile);
    const version = (schema) => db.prepare('PRAGMA ' + schema + '.user_version').get().user_version;
    if (version('incoming') !== version('main')) {
      throw new Conflict('cannot swap in a store at schema ' + version('incoming') + ' over one at ' + version('main'));
    }
    const tables = tableNames(db, 'main');
    const incoming = new Set(tableNames(db, 'incoming'));
    const missing = tables.filter((t) => !incoming.has(t));
    if (missing.length > 0 || incoming.size !== tables.length) {
      throw new Conflict('the two stores do not have the same tables (' + missing.join(', ') + ')');
    }
    const copies = tables.map((t) => copyStatement(db, t));
    db.exec('BEGIN IMMEDIATE');
    for (const t of tables) db.exec('DELETE FROM main."' + t + '"');
    copies.forEach((sql, i) => {
      db.exec(sql);
      parentPort.postMessage({ type: 'table', name: tables[i], done: i + 1, total: tables.length });
    });
    // AUTOINCREMENT counters: the copy above wrote its own rows here; take the incoming ones instead.
    if (hasSequence(db, 'main') && hasSequence(db, 'incoming')) {
      db.exec('DELETE FROM main.sqlite_sequence');
      db.exec('INSERT INTO main.sqlite_sequence (name, seq) SELECT name, seq FROM incoming.sqlite_sequence');
    }
    parentPort.postMessage({ type: 'ready' });
    if ((await decision()) === 'commit') db.exec('COMMIT');
    else {
      db.exec('ROLLBACK');
      reply = { ok: false, message: 'rolled back: the work beside the copy failed' };
    }
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    reply = failure(err);
  }
  try {
    db.exec('DETACH DATABASE incoming');
  } catch {
    // not attached (ATTACH failed)
  }
  db.close();
  parentPort.postMessage({ type: 'done', reply });
}
main();
`;

export interface ReplaceHooks {
  onTable?: (name: string, done: number, total: number) => void;
  /**
   * The caller's work to run while the copy is under way; the copy commits
   * only if it resolves. It runs on this thread; the copy on its own.
   */
  alongside?: () => Promise<void> | void;
  /** Called once the copy is ready to commit, inside its transaction (crash tests). */
  beforeCommit?: () => void;
  /** Called just before COMMIT is sent: from here on the swap may be in effect. */
  committing?: () => void;
}

type Reply = { ok: true } | { ok: false; conflict?: boolean; message?: string; errcode?: number };
type Message =
  | { type: 'table'; name: string; done: number; total: number }
  | { type: 'ready' }
  | { type: 'done'; reply: Reply };

export async function replaceContents(
  liveFile: string,
  sourceFile: string,
  hooks: ReplaceHooks = {},
): Promise<void> {
  // The thread's DatabaseSync would create a missing file, and not a private one.
  if (!existsSync(liveFile))
    throw new StoreError('not_initialised', `no store at ${liveFile}. Run: ma-auth init`);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      liveFile,
      sourceFile,
      busyTimeoutMs: BUSY_TIMEOUT_MS,
      walCheckpointPages: WAL_CHECKPOINT_PAGES,
    },
  });
  const thread = threadEvents(worker, hooks.onTable);
  let ownFailure: { err: unknown } | null = null;
  try {
    await hooks.alongside?.();
  } catch (err) {
    ownFailure = { err };
  }
  const ready = await thread.ready;
  if (ready && !ownFailure) {
    try {
      hooks.beforeCommit?.();
      hooks.committing?.();
    } catch (err) {
      ownFailure = { err };
    }
  }
  if (ready) worker.postMessage(ownFailure ? 'rollback' : 'commit');
  const reply = await thread.done;
  if (ownFailure) throw ownFailure.err;
  if (reply.ok) return;
  if (reply.conflict) throw new StoreError('conflict', reply.message ?? 'the stores differ');
  throw translate(Object.assign(new Error(reply.message), { errcode: reply.errcode }), liveFile);
}

/** The thread's 'ready' (true, or false if it finished without getting there) and its final reply. */
function threadEvents(
  worker: Worker,
  onTable: ReplaceHooks['onTable'],
): { ready: Promise<boolean>; done: Promise<Reply> } {
  let markReady: (ready: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => {
    markReady = resolve;
  });
  const done = new Promise<Reply>((resolve) => {
    let reply: Reply | null = null;
    let error: Error | null = null;
    worker.on('message', (m: Message) => {
      if (m.type === 'table') onTable?.(m.name, m.done, m.total);
      else if (m.type === 'ready') markReady(true);
      else reply = m.reply;
    });
    worker.once('error', (err) => {
      error = err;
    });
    // Settled on exit, once the thread's connection is closed (worker-reply.ts: why).
    worker.once('exit', (code) => {
      markReady(false);
      resolve(
        reply ?? {
          ok: false,
          message: error?.message ?? `the swap thread exited (${code}) without an answer`,
        },
      );
    });
  });
  return { ready, done };
}
