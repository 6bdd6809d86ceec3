/**
 * A second connection to the listener's database, on its own thread, that
 * does nothing but `PRAGMA wal_checkpoint(PASSIVE)` when asked.
 *
 * Why a thread: a checkpoint copies every page changed since the last one
 * from the WAL back into the database file and fsyncs that file. Run by
 * SQLite's autocheckpoint inside a COMMIT, that is a 20–40 ms stall of the
 * event loop every quarter second under load, which is the whole p99 of the
 * token endpoint. A PASSIVE checkpoint from another connection runs while the
 * writer goes on committing (it takes neither the write lock nor the busy
 * handler), and in synchronous=NORMAL it syncs the WAL before copying and
 * the database after, *before* it records the frames as backfilled: so
 * SQLite never reuses a WAL frame whose page is not yet durable in the
 * database file. Power-loss safety is SQLite's own, unchanged.
 *
 * The worker's code is a string evaluated by `new Worker(…, { eval: true })`:
 * it is a few lines with no imports of ours, and a string runs the same from
 * the built package and from the TypeScript sources under the test runner.
 */
import { Worker } from 'node:worker_threads';

export interface CheckpointResult {
  /** Frames in the WAL when the checkpoint started. */
  readonly log: number;
  /** Frames copied back into the database (all of them when equal to `log`). */
  readonly checkpointed: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.file, { timeout: 0 });
// NORMAL: the WAL is synced before a checkpoint and the database after it.
db.exec('PRAGMA synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
parentPort.on('message', (op) => {
  if (op === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const row = checkpoint.get();
    parentPort.postMessage({ ok: true, log: row.log, checkpointed: row.checkpointed });
  } catch (err) {
    parentPort.postMessage({ ok: false, message: String(err && err.message || err) });
  }
});
`;

type Reply = { ok: true; log: number; checkpointed: number } | { ok: false; message: string };

export class CheckpointWorker {
  private readonly worker: Worker;
  private pending: { resolve: (r: CheckpointResult) => void; reject: (e: Error) => void } | null = null;
  private exited: Error | null = null;

  constructor(databaseFile: string) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: databaseFile } });
    // Housekeeping must never keep a process alive on its own.
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const waiting = this.pending;
      this.pending = null;
      if (!waiting) return;
      if (reply.ok) waiting.resolve({ log: reply.log, checkpointed: reply.checkpointed });
      else waiting.reject(new Error(`WAL checkpoint failed: ${reply.message}`));
    });
    const fail = (err: Error) => {
      this.exited ??= err;
      this.pending?.reject(err);
      this.pending = null;
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the checkpoint thread exited (${code})`)));
  }

  /** One PASSIVE checkpoint; one at a time. */
  checkpoint(): Promise<CheckpointResult> {
    if (this.exited) return Promise.reject(this.exited);
    if (this.pending) return Promise.reject(new Error('a checkpoint is already running'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage('checkpoint');
    });
  }

  /** Closes the worker's connection and waits for the thread to end. */
  async close(): Promise<void> {
    if (this.exited) return;
    const ended = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    // Closing is awaited (the store drains after it): keep the process up for it.
    this.worker.ref();
    this.worker.postMessage('close');
    await ended;
  }
}
