/**
 * Re-sealing a store under another data key (rotate-key, restore), and
 * opening every sealed value to prove a key fits (backup --verify).
 *
 * Works on a raw connection; the caller holds the transaction, so a re-seal is
 * all or nothing. Rows are walked in rowid order, PAGE rows per query, so
 * memory stays constant whatever the size of the store. Sealed columns:
 * sealed-fields.ts.
 *
 * Keyed hashes — HMAC under a sub-key of the data key (src/oauth/keyed-hash.ts)
 * — cannot be recomputed: their input (a pairing code, a client address) is
 * never stored. They live minutes, so on a key change:
 * - pending device authorizations (`user_code_hash`) are expired: the code
 *   could no longer be found; the device or `ma-auth link` polling for it is
 *   told `expired_token` and starts over;
 * - failed-attempt counters (`attempt_counters.key`) are deleted: their window
 *   restarts.
 * Everything else in the store is either sealed (re-sealed here) or a plain
 * SHA-256 of a high-entropy secret (tokens, codes, client secrets), which does
 * not depend on the key.
 */
import type { DatabaseSync } from 'node:sqlite';
import { open, reseal } from '../../crypto/aead.js';
import type { DataKey } from '../../keys/data-key.js';
import { SEALED } from './sealed-fields.js';

interface SealedField {
  readonly table: string;
  readonly column: string;
  readonly context: string;
  readonly metaName?: string;
}

const FIELDS: readonly SealedField[] = Object.values(SEALED);
/**
 * Rows per query. Small, because the rows of a page survive the collections
 * that run while it is worked through, and what survives is what makes V8
 * grow its young generation: pages of 512 rows grew `rotate-key` of 100,000
 * values by ~40 MiB more than pages of 64.
 */
const PAGE = 64;
/** Values between progress reports and crash points (`onBatch`). */
const BATCH = 512;

export const KEYED_HASHES = [
  { table: 'device_authorizations', column: 'user_code_hash', onKeyChange: 'pending ones expire' },
  { table: 'attempt_counters', column: 'key', onKeyChange: 'deleted' },
] as const;

export interface ResealResult {
  /** Sealed values re-sealed. */
  readonly values: number;
  /** Pending device authorizations (pairings) expired: their keyed code hash cannot be recomputed. */
  readonly expiredPairings: number;
  /** Failed-attempt counters dropped, for the same reason. */
  readonly droppedAttemptCounters: number;
}

export interface WalkOptions {
  /** Called every batch with values done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called between batches (crash-safety tests put a crash point here). */
  readonly onBatch?: () => void;
}

/** How many sealed values the store holds. */
export function countSealed(db: DatabaseSync): number {
  let total = 0;
  for (const f of FIELDS) {
    const row = db
      .prepare(
        `SELECT count(*) AS n FROM ${f.table} WHERE ${f.column} IS NOT NULL${f.metaName ? ' AND name = ?' : ''}`,
      )
      .get(...(f.metaName ? [f.metaName] : [])) as { n: number };
    total += row.n;
  }
  return total;
}

/** Opens every sealed value with `key` (and its own context); throws at the first that does not open. */
export function openAllSealed(db: DatabaseSync, key: DataKey, options: WalkOptions = {}): number {
  return walk(db, options, (f, value) => {
    open(key, value, f.context);
    return null;
  });
}

/**
 * Re-seals every sealed value from `from` to `to`, and expires or drops what
 * depends on a keyed hash (see above). Must run inside a write transaction.
 */
export function resealAll(
  db: DatabaseSync,
  from: DataKey,
  to: DataKey,
  now: number,
  options: WalkOptions = {},
): ResealResult {
  if (!db.isTransaction) throw new Error('resealAll must run inside a transaction');
  if (from.id === to.id) return { values: 0, expiredPairings: 0, droppedAttemptCounters: 0 };
  const values = walk(db, options, (f, value) => reseal(from, to, value, f.context));
  const expiredPairings = Number(
    db
      .prepare(`UPDATE device_authorizations SET expires_at = ? WHERE status = 'pending' AND expires_at > ?`)
      .run(now, now).changes,
  );
  const droppedAttemptCounters = Number(db.prepare('DELETE FROM attempt_counters').run().changes);
  return { values, expiredPairings, droppedAttemptCounters };
}

/** Visits every sealed value; a non-null answer replaces it. Returns how many were visited. */
function walk(
  db: DatabaseSync,
  options: WalkOptions,
  visit: (field: SealedField, value: string) => string | null,
): number {
  const total = options.onProgress ? countSealed(db) : 0;
  let done = 0;
  let reported = 0;
  const report = () => {
    reported = done;
    options.onProgress?.(done, total);
    options.onBatch?.();
  };
  for (const f of FIELDS) {
    const where = `${f.column} IS NOT NULL${f.metaName ? ' AND name = ?' : ''}`;
    const select = db.prepare(
      // NOT INDEXED: through the table's own b-tree, never an index (for
      // meta, the planner would take its name index): restore's
      // verification opens every value while the indexes are being rebuilt
      // (snapshot.ts checkAndRebuild).
      `SELECT rowid AS r, ${f.column} AS v FROM ${f.table} NOT INDEXED WHERE rowid > ? AND ${where} ORDER BY rowid LIMIT ${PAGE}`,
    );
    const update = db.prepare(`UPDATE ${f.table} SET ${f.column} = ? WHERE rowid = ?`);
    let after: number | bigint = -1;
    for (;;) {
      const rows = select.all(after, ...(f.metaName ? [f.metaName] : [])) as { r: number; v: string }[];
      for (const row of rows) {
        const replaced = visit(f, row.v);
        if (replaced !== null) update.run(replaced, row.r);
      }
      done += rows.length;
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.r;
      if (done - reported >= BATCH) report();
    }
    // The end of every field is a batch boundary too.
    if (done > reported) report();
  }
  return done;
}
