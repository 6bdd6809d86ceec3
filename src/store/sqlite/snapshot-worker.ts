/**
 * `VACUUM INTO` on a thread of its own (snapshot.ts snapshotStore): the copy
 * is one long synchronous call — ≈ 0.6 s for a store of 100,000 grants —
 * and run on the event loop it stalls whatever else the process has under
 * way. Restore starts its save of the current store while scrypt derives the
 * backup's key on the thread pool; with the copy on the event loop, the
 * decryption that follows the key waited for the copy to end (dev timeline,
 * 100,000 grants and 600,000 tokens: the key was ready 0.3 s before the loop
 * was free to use it).
 *
 * Like rebuild-worker.ts, the code is a string evaluated by the Worker: no
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
  db = new DatabaseSync(workerData.file, { timeout: workerData.busyTimeoutMs, enableForeignKeyConstraints: true });
  // VACUUM INTO writes the copy as durably as this connection's synchronous
  // says, and the copy is a temporary file: no fsync for it. FULL again
  // before closing, which may checkpoint the live store's WAL — that must
  // stay synced. This connection writes nothing else to the live store.
  db.exec('PRAGMA synchronous = OFF');
  try {
    db.prepare('VACUUM INTO ?').run(workerData.target);
  } finally {
    db.exec('PRAGMA synchronous = FULL');
  }
} catch (err) {
  reply = { ok: false, message: String((err && err.message) || err), errcode: err && err.errcode };
} finally {
  try {
    if (db) db.close();
  } catch (err) {
    if (reply.ok) reply = { ok: false, message: String((err && err.message) || err), errcode: err && err.errcode };
  }
}
parentPort.postMessage(reply);
`;

/**
 * Resolves once `target` holds a consistent copy of `file` and the thread's
 * connection is closed (worker-reply.ts); rejects with the SQLite error
 * (its `errcode` kept).
 */
export async function vacuumIntoOnWorker(file: string, target: string, busyTimeoutMs: number): Promise<void> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, target, busyTimeoutMs } });
  const reply = await replyOnExit<{ ok: boolean; message?: string; errcode?: number }>(worker, 'snapshot');
  if (!reply.ok) throw Object.assign(new Error(reply.message), { errcode: reply.errcode });
}
