/**
 * The one answer of a thread that does one SQLite job and ends
 * (rebuild-worker.ts, snapshot-worker.ts), settled on the thread's exit
 * rather than on its message: its connection is closed by then, so the
 * caller never races that close (which may checkpoint the file, holding it
 * locked).
 */
import type { Worker } from 'node:worker_threads';

export function replyOnExit<R>(worker: Worker, what: string): Promise<R> {
  return new Promise((resolve, reject) => {
    let reply: { value: R } | null = null;
    let failure: Error | null = null;
    worker.once('message', (message: R) => {
      reply = { value: message };
    });
    worker.once('error', (err) => {
      failure = err;
    });
    worker.once('exit', (code) => {
      if (reply) resolve(reply.value);
      else reject(failure ?? new Error(`the ${what} thread exited (${code}) without an answer`));
    });
  });
}
