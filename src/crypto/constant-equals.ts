/**
 * Constant-time comparison of two strings or buffers.
 *
 * Both sides are hashed to SHA-256 first so that the comparison length never
 * depends on the secret's length (timingSafeEqual throws on unequal lengths).
 */
import { hash, timingSafeEqual } from 'node:crypto';

export function constantEquals(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
}
