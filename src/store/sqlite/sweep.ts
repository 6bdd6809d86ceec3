/** Deleting what has expired, in one transaction. Retention is the caller's policy. */
import type { SweepInput, SweepResult } from '../records/maintenance.js';
import { run, type SqliteContext } from './context.js';

export function sweepExpired(ctx: SqliteContext, input: SweepInput): SweepResult {
  const { now } = input;
  return ctx.write(() => {
    const tokens = run(ctx, 'DELETE FROM tokens WHERE expires_at < ?', now - input.tokenRetentionMs);
    // A grant whose last token is gone can never be used again; its id stays in the audit trail.
    const grants = run(
      ctx,
      'DELETE FROM grants WHERE NOT EXISTS (SELECT 1 FROM tokens t WHERE t.grant_id = grants.id) AND last_used_at < ?',
      now - input.tokenRetentionMs,
    );
    return {
      tokens,
      grants,
      authorizationCodes: run(
        ctx,
        'DELETE FROM authorization_codes WHERE expires_at < ?',
        now - input.codeRetentionMs,
      ),
      pendingRequests: run(ctx, 'DELETE FROM pending_requests WHERE expires_at <= ?', now),
      deviceAuthorizations: run(
        ctx,
        'DELETE FROM device_authorizations WHERE expires_at < ?',
        now - input.deviceRetentionMs,
      ),
      attemptCounters: run(ctx, 'DELETE FROM attempt_counters WHERE window_ends_at <= ?', now),
    };
  });
}
