/** Deleting expired rows (DESIGN.md "Storage and keys": expired rows are swept). Retention: policy.ts. */
import type { SweepResult } from '../store/types.js';
import type { OAuthDeps } from './context.js';
import { CODE_RETENTION_S, DEVICE_RETENTION_S, TOKEN_RETENTION_S } from './policy.js';

export async function sweep(deps: Pick<OAuthDeps, 'store' | 'now'>): Promise<SweepResult> {
  return deps.store.sweepExpired({
    now: deps.now(),
    tokenRetentionMs: TOKEN_RETENTION_S * 1000,
    codeRetentionMs: CODE_RETENTION_S * 1000,
    deviceRetentionMs: DEVICE_RETENTION_S * 1000,
  });
}
