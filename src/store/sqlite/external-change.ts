/**
 * Caching what only changes rarely (client registrations, the key binding, the owner)
 * across store calls, safely with other processes writing the same file.
 *
 * `PRAGMA data_version` changes when *another* connection commits, never for
 * this connection's own commits (https://sqlite.org/pragma.html#pragma_data_version).
 * The listener is the store's main writer, so under load the value stays put
 * and a cached read costs one pragma instead of a query; a CLI command that
 * adds a client or rotates the key changes it, and the cache starts over.
 * Writes through this connection clear the cache themselves (`clear`).
 *
 * The pragma itself opens a read transaction (file locks, a few syscalls), so
 * it is asked at most once per turn of the event loop: within one turn the
 * answer cannot usefully change for the requests being served together, and a
 * commit by another process is seen on the next turn.
 */
import type { DatabaseSync } from 'node:sqlite';
import { prepared } from './context.js';

export class ExternalChangeCache {
  private readonly entries = new Map<string, unknown>();
  private version = -1;
  private checkedThisTurn = false;

  constructor(private readonly db: DatabaseSync) {}

  get<V>(key: string, load: () => V): V {
    if (!this.checkedThisTurn) {
      this.checkedThisTurn = true;
      setImmediate(() => {
        this.checkedThisTurn = false;
      }).unref();
      const version = (prepared(this.db, 'PRAGMA data_version').get() as { data_version: number })
        .data_version;
      if (version !== this.version) {
        this.entries.clear();
        this.version = version;
      }
    }
    if (this.entries.has(key)) return this.entries.get(key) as V;
    const value = load();
    this.entries.set(key, value);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
