/**
 * What the per-concern SQLite modules (grants.ts, codes.ts, …) share: the
 * connection, the write-transaction wrapper and the data key for sealing.
 * Each exported module function is one Store method.
 */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { DataKey } from '../../keys/data-key.js';

export interface SqliteContext {
  readonly db: DatabaseSync;
  /** Runs `fn` in BEGIN IMMEDIATE … COMMIT; the COMMIT fsyncs (synchronous=FULL). */
  write<T>(fn: () => T): T;
  /** The data key, or StoreError `key_required`. */
  requireKey(): DataKey;
}

export type Row = Record<string, SQLInputValue>;

export function one(ctx: SqliteContext, sql: string, ...args: SQLInputValue[]): Row | undefined {
  return ctx.db.prepare(sql).get(...args) as Row | undefined;
}

export function all(ctx: SqliteContext, sql: string, ...args: SQLInputValue[]): Row[] {
  return ctx.db.prepare(sql).all(...args) as Row[];
}

/** Runs a statement; returns the number of rows it changed. */
export function run(ctx: SqliteContext, sql: string, ...args: SQLInputValue[]): number {
  return Number(ctx.db.prepare(sql).run(...args).changes);
}
