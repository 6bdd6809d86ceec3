/**
 * Failed-attempt counters in fixed windows. Keys are opaque to the store (the
 * caller passes a keyed hash of a client address), so no address is stored.
 * Kept in the store, not in memory, so a restart does not reset an attacker's
 * count and several listeners would share it.
 */
import { one, run, type SqliteContext } from './context.js';

export function recordFailedAttempt(
  ctx: SqliteContext,
  input: { key: string; now: number; windowMs: number },
): number {
  return ctx.write(() => {
    run(
      ctx,
      `INSERT INTO attempt_counters (key, count, window_ends_at) VALUES (?1, 1, ?2 + ?3)
       ON CONFLICT(key) DO UPDATE SET
         count = CASE WHEN window_ends_at > ?2 THEN count + 1 ELSE 1 END,
         window_ends_at = CASE WHEN window_ends_at > ?2 THEN window_ends_at ELSE ?2 + ?3 END`,
      input.key,
      input.now,
      input.windowMs,
    );
    return (one(ctx, 'SELECT count FROM attempt_counters WHERE key = ?', input.key)?.count as number) ?? 0;
  });
}

export function failedAttempts(ctx: SqliteContext, key: string, now: number): number {
  const row = one(ctx, 'SELECT count FROM attempt_counters WHERE key = ? AND window_ends_at > ?', key, now);
  return (row?.count as number | undefined) ?? 0;
}
