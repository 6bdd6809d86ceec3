/** Pending authorization requests (the consent page) and their approval with a pairing code. */
import { openText, seal } from '../../crypto/aead.js';
import type { DataKey } from '../../keys/data-key.js';
import type {
  ApprovePairingInput,
  ApprovePairingResult,
  NewPendingRequest,
  PendingRequestRecord,
} from '../records/pairing.js';
import { appendAudit } from './audit.js';
import { one, type Row, run, type SqliteContext } from './context.js';
import { openMeta, sealMeta } from './meta-seal.js';
import { nullable } from './rows.js';
import { SEALED } from './sealed-fields.js';

export function createPendingRequest(ctx: SqliteContext, request: NewPendingRequest): void {
  const key = ctx.requireKey();
  ctx.write(() =>
    run(
      ctx,
      `INSERT INTO pending_requests (id_hash, client_id, redirect_uri, scope, state_sealed, code_challenge,
         code_challenge_method, csrf_hash, created_at, expires_at, request_meta_sealed)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      request.idHash,
      request.clientId,
      request.redirectUri,
      request.scope,
      request.state === null ? null : seal(key, request.state, SEALED.pendingState.context),
      request.codeChallenge,
      request.codeChallengeMethod,
      request.csrfHash,
      request.createdAt,
      request.expiresAt,
      sealMeta(key, request.meta, SEALED.pendingMeta.context),
    ),
  );
}

export function getPendingRequest(ctx: SqliteContext, idHash: string): PendingRequestRecord | null {
  const row = one(ctx, 'SELECT * FROM pending_requests WHERE id_hash = ?', idHash);
  return row ? pendingFromRow(ctx.requireKey(), row) : null;
}

export function deletePendingRequest(ctx: SqliteContext, idHash: string): boolean {
  return ctx.write(() => run(ctx, 'DELETE FROM pending_requests WHERE id_hash = ?', idHash) > 0);
}

/**
 * One transaction, so a pairing code can approve exactly one request and a
 * request can be approved exactly once: the device authorization must still
 * be pending (not approved by a concurrent request), and the request is
 * deleted in the same commit that issues its code.
 */
export function approvePendingRequest(ctx: SqliteContext, input: ApprovePairingInput): ApprovePairingResult {
  return ctx.write(() => {
    // Only what the decision and the code need: the sealed state and metadata
    // never change after the request is made, and the caller read them already.
    const row = one(
      ctx,
      `SELECT client_id, redirect_uri, scope, code_challenge, code_challenge_method, failed_attempts, expires_at
         FROM pending_requests WHERE id_hash = ?`,
      input.requestIdHash,
    );
    if (!row) return { outcome: 'not_found' };
    const failedAttempts = row.failed_attempts as number;
    if (input.now >= (row.expires_at as number)) return { outcome: 'expired' };
    if (failedAttempts >= input.maxFailedAttempts) return { outcome: 'locked', failedAttempts };
    const device = one(
      ctx,
      `SELECT id FROM device_authorizations
        WHERE user_code_hash = ? AND status = 'pending' AND expires_at > ? AND client_id = ?`,
      input.userCodeHash,
      input.now,
      input.pairingClientId,
    );
    if (!device) {
      run(
        ctx,
        'UPDATE pending_requests SET failed_attempts = failed_attempts + 1 WHERE id_hash = ?',
        input.requestIdHash,
      );
      return { outcome: 'wrong_code', failedAttempts: failedAttempts + 1 };
    }
    run(
      ctx,
      `UPDATE device_authorizations
          SET status = 'approved', owner_id = ?, linked_client_id = ?, linked_scope = ?, decided_at = ?
        WHERE id = ?`,
      input.ownerId,
      row.client_id as string,
      row.scope as string,
      input.now,
      device.id as string,
    );
    run(ctx, 'DELETE FROM pending_requests WHERE id_hash = ?', input.requestIdHash);
    run(
      ctx,
      `INSERT INTO authorization_codes (hash, client_id, redirect_uri, scope, owner_id, code_challenge,
         code_challenge_method, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      input.code.hash,
      row.client_id as string,
      row.redirect_uri as string,
      row.scope as string,
      input.ownerId,
      row.code_challenge,
      row.code_challenge_method,
      input.now,
      input.code.expiresAt,
    );
    if (input.linkedAudit) appendAudit(ctx, input.linkedAudit(device.id as string));
    return { outcome: 'linked', deviceAuthorizationId: device.id as string };
  });
}

function pendingFromRow(key: DataKey, r: Row): PendingRequestRecord {
  return {
    idHash: r.id_hash as string,
    clientId: r.client_id as string,
    redirectUri: r.redirect_uri as string,
    scope: r.scope as string,
    state:
      typeof r.state_sealed === 'string' ? openText(key, r.state_sealed, SEALED.pendingState.context) : null,
    codeChallenge: nullable(r.code_challenge),
    codeChallengeMethod: nullable(r.code_challenge_method),
    csrfHash: r.csrf_hash as string,
    failedAttempts: r.failed_attempts as number,
    createdAt: r.created_at as number,
    expiresAt: r.expires_at as number,
    meta: openMeta(key, r.request_meta_sealed, SEALED.pendingMeta.context),
  };
}
