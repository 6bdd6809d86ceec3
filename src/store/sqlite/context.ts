/**
 * What the per-concern SQLite modules (grants.ts, codes.ts, …) share: the
 * connection, the write-transaction wrapper and the data key for sealing.
 * Each exported module function is one Store method.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { DataKey } from '../../keys/data-key.js';

export interface SqliteContext {
  readonly db: DatabaseSync;
  /**
   * Runs `fn` in BEGIN IMMEDIATE … COMMIT, durable when it returns (synchronous=FULL, or the listener's WAL flush).
   * With `keep`, a result it refuses is rolled back instead (not inside a group-commit batch).
   */
  write<T>(fn: () => T, keep?: (result: T) => boolean): T;
  /** The data key, or StoreError `key_required`. */
  requireKey(): DataKey;
}

export type Row = Record<string, SQLInputValue>;

/**
 * Prepared statements, cached per connection: compiling SQL costs more than
 * running it, and the token endpoint runs the same few statements per request.
 * The SQL texts are literals in this codebase, so the cache is bounded by them.
 */
const statements = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

export function prepared(db: DatabaseSync, sql: string): StatementSync {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

export function one(ctx: SqliteContext, sql: string, ...args: SQLInputValue[]): Row | undefined {
  return prepared(ctx.db, sql).get(...args) as Row | undefined;
}

export function all(ctx: SqliteContext, sql: string, ...args: SQLInputValue[]): Row[] {
  return prepared(ctx.db, sql).all(...args) as Row[];
}

/** Runs a statement; returns the number of rows it changed. */
export function run(ctx: SqliteContext, sql: string, ...args: SQLInputValue[]): number {
  return Number(prepared(ctx.db, sql).run(...args).changes);
}
