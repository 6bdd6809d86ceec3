/**
 * Constant-time comparison of two strings or buffers.
 *
 * Both sides are hashed to SHA-256 first so that the comparison length never
 * depends on the secret's length (timingSafeEqual throws on unequal lengths).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function constantEquals(a: string | Buffer, b: string | Buffer): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}
