/**
 * `REINDEX` of a snapshot file on a thread of its own (restore's
 * verification, snapshot.ts checkAndRebuild): the largest single step of a
 * restore — ≈ 1.5 s for a store of 100,000 grants and half a million tokens —
 * and it needs nothing from the caller, who meanwhile opens every sealed
 * value on the main thread. The file must be in WAL mode, so that reading it
 * there neither waits for the rebuild nor sees half of it.
 *
 * Like checkpoint-worker.ts, the code is a string evaluated by the Worker: no
 * imports of ours, the same from the built package and from the sources.
 */
import { Worker } from 'node:worker_threads';

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
  db.exec('REINDEX');
} catch (err) {
  reply = { ok: false, message: String((err && err.message) || err), errcode: err && err.errcode };
} finally {
  if (db) db.close();
}
parentPort.postMessage(reply);
`;

/**
 * Resolves once every index of `file` is rebuilt and the thread has ended;
 * rejects with the SQLite error (its `errcode` kept).
 *
 * Settled on the thread's exit, not its message: its connection must be
 * closed before the caller goes on. Were it to close after the caller's own
 * connection, it would be the file's last and checkpoint the WAL on closing,
 * holding the file locked while the caller writes to it (a restore's
 * re-seal failed with "database is locked" that way).
 */
export function reindexOnWorker(file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file } });
    let reply: { ok: boolean; message?: string; errcode?: number } | null = null;
    let failure: Error | null = null;
    worker.once('message', (message: typeof reply) => {
      reply = message;
    });
    worker.once('error', (err) => {
      failure = err;
    });
    worker.once('exit', (code) => {
      if (reply?.ok) resolve();
      else if (reply) reject(Object.assign(new Error(reply.message), { errcode: reply.errcode }));
      else reject(failure ?? new Error(`the REINDEX thread exited (${code}) without an answer`));
    });
  });
}
