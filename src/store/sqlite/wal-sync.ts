/**
 * fdatasync of a database's WAL from Node, for the listener's connection in
 * synchronous=NORMAL (group-commit.ts explains why): SQLite then writes every
 * commit to the WAL without syncing it, and this makes those bytes durable —
 * the sync synchronous=FULL would have done inside COMMIT, moved to libuv's
 * thread pool so the event loop keeps working meanwhile.
 *
 * A commit is durable once its WAL frames are: recovery replays the WAL's
 * valid frames. SQLite still syncs the WAL before a checkpoint and the
 * database after one, and the WAL header when the log is restarted.
 *
 * The WAL file is opened once, read-only (Linux syncs a file through any
 * descriptor). SQLite keeps it while this connection is open, but it is
 * checked on every flush that the path still names the file we hold: if it
 * were replaced we would be syncing the wrong one, so we reopen instead.
 */
import { closeSync, fdatasync, fdatasyncSync, fstatSync, openSync, statSync } from 'node:fs';
import type { WalFlush } from './group-commit.js';

export class WalSync implements WalFlush {
  private fd: number | null = null;
  /** Descriptors of a replaced WAL: a flush may still be using one; closed with the store. */
  private readonly retired: number[] = [];
  private readonly path: string;

  constructor(databaseFile: string) {
    this.path = `${databaseFile}-wal`;
  }

  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      let fd: number;
      try {
        fd = this.current();
      } catch (err) {
        reject(err);
        return;
      }
      fdatasync(fd, (err) => (err ? reject(err) : resolve()));
    });
  }

  flushSync(): void {
    fdatasyncSync(this.current());
  }

  /** At open, after migrations: there may be no WAL yet, and then nothing to sync. */
  flushIfPresent(): void {
    try {
      this.flushSync();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  close(): void {
    if (this.fd !== null) this.retired.push(this.fd);
    this.fd = null;
    for (const fd of this.retired.splice(0)) closeSync(fd);
  }

  private current(): number {
    const onDisk = statSync(this.path);
    if (this.fd !== null && fstatSync(this.fd).ino !== onDisk.ino) {
      this.retired.push(this.fd);
      this.fd = null;
    }
    this.fd ??= openSync(this.path, 'r');
    return this.fd;
  }
}
