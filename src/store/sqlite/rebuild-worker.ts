/**
 * Restore's verification of a snapshot file on a thread of its own
 * (snapshot.ts checkAndRebuild): SQLite's `quick_check`, then `REINDEX` —
 * the largest single step of a restore, ≈ 1.5 s for a store of 100,000
 * grants and half a million tokens. It needs nothing from the caller, who
 * meanwhile opens every sealed value on the main thread. The file must be in
 * WAL mode, so that reading it there neither waits for the rebuild nor sees
 * half of it.
 *
 * Like checkpoint-worker.ts, the code is a string evaluated by the Worker: no
 * imports of ours, the same from the built package and from the sources.
 */
import { Worker } from 'node:worker_threads';
import { replyOnExit } from './worker-reply.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
let db;
let reply = { ok: true };
try {
  db = new DatabaseSync(workerData.file, { timeout: 60000 });
  // A temporary file (snapshot.ts openSnapshot): no fsync. Sorting is most of
  // REINDEX's time; a helper thread sorts beside it.
  db.exec('PRAGMA synchronous = OFF; PRAGMA threads = 2');
  const problems = db
    .prepare('PRAGMA quick_check(' + workerData.maxProblems + ')')
    .all()
    .map((row) => row.quick_check)
    .filter((message) => message !== 'ok');
  if (problems.length > 0) reply = { ok: false, problems };
  else db.exec('REINDEX');
} catch (err) {
  reply = { ok: false, message: String((err && err.message) || err), errcode: err && err.errcode };
} finally {
  if (db) db.close();
}
parentPort.postMessage(reply);
`;

/** What the thread found wrong: quick_check's messages (the file was not rebuilt). */
export class QuickCheckFailed extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

/**
 * Resolves once `file` passed quick_check (collecting up to `maxProblems` of
 * its messages), every index of it is rebuilt, and the thread has ended.
 * Rejects with QuickCheckFailed, or with the SQLite error of the rebuild
 * (its `errcode` kept).
 *
 * Settled on the thread's exit, not its message: its connection must be
 * closed before the caller goes on. Were it to close after the caller's own
 * connection, it would be the file's last and checkpoint the WAL on closing,
 * holding the file locked while the caller writes to it (a restore's
 * re-seal failed with "database is locked" that way).
 */
export async function checkAndReindexOnWorker(file: string, maxProblems: number): Promise<void> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, maxProblems } });
  const reply = await replyOnExit<{ ok: boolean; message?: string; errcode?: number; problems?: string[] }>(
    worker,
    'REINDEX',
  );
  if (reply.ok) return;
  if (reply.problems) throw new QuickCheckFailed(reply.problems);
  throw Object.assign(new Error(reply.message), { errcode: reply.errcode });
}
