/**
 * WAL checkpoints for the listener's store, on a worker thread.
 *
 * SQLite copies the WAL back into the database file (a checkpoint) from
 * whichever connection commits past `wal_autocheckpoint` pages — in the
 * listener, on the event loop: thousands of page writes and two fsyncs during
 * which no request is served, every few seconds under load. Here a second
 * connection on a worker thread runs PASSIVE checkpoints (they never block a
 * writer, and a writer never blocks them) whenever the listener has committed
 * since the last one. The listener's own autocheckpoint stays on, at a higher
 * threshold, as a bound on the WAL should this thread ever fall behind.
 *
 * The worker is a few lines evaluated in place, so it needs no file of its
 * own next to the compiled store (and none in tests, which run the TypeScript
 * sources). They load modules with `process.getBuiltinModule`, which works
 * whether Node evaluates them as CommonJS or as an ES module.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
const db = new DatabaseSync(workerData.file, { timeout: 0 });
db.exec('PRAGMA wal_autocheckpoint = 0');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.exec('PRAGMA wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true });
  } catch (err) {
    // SQLITE_BUSY: another checkpoint is running (the listener's fallback). Next time.
    parentPort.postMessage({ ok: false, error: String(err && err.message) });
  }
});
`;

/** How often at most a checkpoint is asked for while writes keep coming. */
const MIN_INTERVAL_MS = 200;

export class Checkpointer {
  private readonly worker: Worker;
  private busy = false;
  private pending = false;
  private lastAsked = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Checkpoints completed (tests, benchmarks). */
  completed = 0;

  constructor(databaseFile: string) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: databaseFile } });
    this.worker.on('message', (reply: { ok: boolean }) => {
      this.busy = false;
      if (reply.ok) this.completed++;
      if (this.pending) this.committed();
    });
    // A dead worker leaves checkpoints to SQLite's own, on the event loop: slower, not wrong.
    this.worker.on('error', () => {
      this.closed = true;
    });
    // It must not keep a process alive — a store left open would hang its exit.
    // After the listeners: attaching a 'message' listener refs the worker again.
    this.worker.unref();
  }

  /** After a commit: the WAL grew. */
  committed(): void {
    if (this.closed) return;
    this.pending = true;
    if (this.busy || this.timer) return;
    const wait = this.lastAsked + MIN_INTERVAL_MS - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.committed();
      }, wait);
      this.timer.unref();
      return;
    }
    this.pending = false;
    this.busy = true;
    this.lastAsked = Date.now();
    this.worker.postMessage('checkpoint');
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.closed = true;
    // Unreferenced while it runs (it must not keep a process alive); waited for now.
    this.worker.ref();
    this.worker.postMessage('close');
    await new Promise<void>((resolve) => {
      this.worker.once('exit', () => resolve());
      setTimeout(() => void this.worker.terminate().then(() => resolve()), 2000).unref();
    });
  }
}
