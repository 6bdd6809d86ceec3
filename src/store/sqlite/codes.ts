/** Authorization codes on SQLite. Codes are created by `approvePendingRequest` (pending.ts). */
import type { AuthorizationCodeRecord, RedeemCodeInput, RedeemCodeResult } from '../records/codes.js';
import { one, run, type SqliteContext } from './context.js';
import { insertGrant } from './grants.js';
import { codeFromRow } from './rows.js';

export function getAuthorizationCode(ctx: SqliteContext, hash: string): AuthorizationCodeRecord | null {
  const row = one(ctx, 'SELECT * FROM authorization_codes WHERE hash = ?', hash);
  return row ? codeFromRow(row) : null;
}

/**
 * Single use, decided under the write lock: of two concurrent redemptions one
 * issues and the other sees `replayed`. Expiry is checked after consumption so
 * that a replay stays a replay even once the code has expired.
 */
export function redeemAuthorizationCode(ctx: SqliteContext, input: RedeemCodeInput): RedeemCodeResult {
  return ctx.write(() => {
    const row = one(ctx, 'SELECT * FROM authorization_codes WHERE hash = ?', input.codeHash);
    if (!row || row.client_id !== input.clientId) return { outcome: 'not_found' };
    const code = codeFromRow(row);
    if (code.consumedAt !== null) return { outcome: 'replayed', grantId: code.grantId };
    if (input.now >= code.expiresAt) return { outcome: 'expired' };
    run(
      ctx,
      'UPDATE authorization_codes SET consumed_at = ?, grant_id = ? WHERE hash = ?',
      input.now,
      input.grant.id,
      input.codeHash,
    );
    const grant = insertGrant(ctx, input.grant, input.tokens, input.now);
    return { outcome: 'issued', grant };
  });
}
