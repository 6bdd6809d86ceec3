/**
 * Lookup hashes for issued tokens, codes and client secrets: SHA-256, hex.
 *
 * Every value hashed here is 256-bit random (or a pairing code guarded by
 * attempt limits), so a fast unsalted hash is the right tool: it cannot be
 * brute-forced, and it lets the store find a row by the hash of what was presented.
 */
import { hash } from 'node:crypto';

export function sha256Hex(value: string | Buffer): string {
  // One-shot: no Hash object per call (the token endpoint hashes three values per request).
  return hash('sha256', value, 'hex');
}
