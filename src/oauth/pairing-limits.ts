/**
 * Wrong pairing codes per client address (RFC 8628 §5.1), across requests: a
 * new consent request must not buy an attacker five fresh guesses. Counted in
 * the store under a keyed hash of the address, so no address is stored.
 * Without a known address (should not happen behind the listener) nothing is counted.
 */
import type { OAuthDeps, RequestMeta } from './context.js';
import { keyedHash } from './keyed-hash.js';
import { MAX_PAIRING_FAILURES_PER_ADDRESS, PAIRING_FAILURE_WINDOW_S } from './policy.js';

function addressKey(deps: OAuthDeps, meta: RequestMeta): string | null {
  return meta.address ? `pairing:${keyedHash(deps.key, 'client-address', meta.address)}` : null;
}

export async function addressLocked(deps: OAuthDeps, meta: RequestMeta): Promise<boolean> {
  const key = addressKey(deps, meta);
  if (!key) return false;
  return (await deps.store.failedAttempts(key, deps.now())) >= MAX_PAIRING_FAILURES_PER_ADDRESS;
}

/** Counts one wrong code; true when the address has now reached its limit. */
export async function countAddressFailure(deps: OAuthDeps, meta: RequestMeta): Promise<boolean> {
  const key = addressKey(deps, meta);
  if (!key) return false;
  const count = await deps.store.recordFailedAttempt({
    key,
    now: deps.now(),
    windowMs: PAIRING_FAILURE_WINDOW_S * 1000,
  });
  return count >= MAX_PAIRING_FAILURES_PER_ADDRESS;
}
