/** Device authorizations (RFC 8628) on SQLite. */
import type { DataKey } from '../../keys/data-key.js';
import { StoreError } from '../errors.js';
import type { GrantRecord } from '../records/grants.js';
import type {
  ConsumeDeviceInput,
  DecideDeviceResult,
  DeviceAuthorizationRecord,
  NewDeviceAuthorization,
  PollInput,
  PollResult,
} from '../records/pairing.js';
import { one, type Row, run, type SqliteContext } from './context.js';
import { insertGrant } from './grants.js';
import { openMeta, sealMeta } from './meta-seal.js';
import { nullable } from './rows.js';
import { SEALED } from './sealed-fields.js';

/** SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY (extended result codes). */
const UNIQUE_VIOLATIONS = new Set([2067, 1555]);

export function createDeviceAuthorization(ctx: SqliteContext, input: NewDeviceAuthorization): void {
  const key = ctx.requireKey();
  ctx.write(() => {
    try {
      run(
        ctx,
        `INSERT INTO device_authorizations (id, device_code_hash, user_code_hash, client_id, scope, status,
           created_at, expires_at, interval_s, request_meta_sealed)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
        input.id,
        input.deviceCodeHash,
        input.userCodeHash,
        input.clientId,
        input.scope,
        input.createdAt,
        input.expiresAt,
        input.intervalS,
        sealMeta(key, input.meta, SEALED.deviceMeta.context),
      );
    } catch (err) {
      if (!UNIQUE_VIOLATIONS.has((err as { errcode?: number }).errcode ?? 0)) throw err;
      throw new StoreError('conflict', 'a device authorization with this code already exists', {
        cause: err,
      });
    }
  });
}

export function findDeviceAuthorizationByUserCode(
  ctx: SqliteContext,
  userCodeHash: string,
): DeviceAuthorizationRecord | null {
  const row = one(ctx, 'SELECT * FROM device_authorizations WHERE user_code_hash = ?', userCodeHash);
  return row ? deviceFromRow(ctx.requireKey(), row) : null;
}

export function decideDeviceAuthorization(
  ctx: SqliteContext,
  input: { id: string; approve: boolean; ownerId: string; now: number },
): DecideDeviceResult {
  const key = ctx.requireKey();
  return ctx.write(() => {
    const row = one(ctx, 'SELECT * FROM device_authorizations WHERE id = ?', input.id);
    if (!row) return { outcome: 'not_found' };
    const current = deviceFromRow(key, row);
    if (current.status !== 'pending') return { outcome: 'not_pending', status: current.status };
    if (input.now >= current.expiresAt) return { outcome: 'expired' };
    run(
      ctx,
      'UPDATE device_authorizations SET status = ?, owner_id = ?, decided_at = ? WHERE id = ?',
      input.approve ? 'approved' : 'denied',
      input.ownerId,
      input.now,
      input.id,
    );
    const updated = one(ctx, 'SELECT * FROM device_authorizations WHERE id = ?', input.id) as Row;
    return { outcome: 'decided', authorization: deviceFromRow(key, updated) };
  });
}

export function cancelDeviceAuthorization(
  ctx: SqliteContext,
  input: { deviceCodeHash: string; clientId: string; now: number },
): boolean {
  return ctx.write(
    () =>
      run(
        ctx,
        `UPDATE device_authorizations SET status = 'cancelled', decided_at = ?
          WHERE device_code_hash = ? AND client_id = ? AND status = 'pending'`,
        input.now,
        input.deviceCodeHash,
        input.clientId,
      ) > 0,
  );
}

/**
 * One poll (RFC 8628 §3.4-3.5). Polling faster than the interval answers
 * `slow_down` and raises the interval for good; every pending poll is recorded,
 * so the interval is measured between consecutive polls.
 */
export function pollDeviceAuthorization(ctx: SqliteContext, input: PollInput): PollResult {
  const key = ctx.requireKey();
  return ctx.write(() => {
    const row = one(
      ctx,
      'SELECT * FROM device_authorizations WHERE device_code_hash = ?',
      input.deviceCodeHash,
    );
    if (!row || row.client_id !== input.clientId) return { outcome: 'not_found' };
    const device = deviceFromRow(key, row);
    switch (device.status) {
      case 'approved':
        return { outcome: 'approved', authorization: device };
      case 'denied':
        return { outcome: 'denied' };
      case 'cancelled':
        return { outcome: 'cancelled' };
      case 'consumed':
        return { outcome: 'consumed' };
    }
    if (input.now >= device.expiresAt) return { outcome: 'expired' };
    const early =
      device.lastPolledAt !== null &&
      input.now - device.lastPolledAt < device.intervalS * 1000 - input.toleranceMs;
    const intervalS = early ? device.intervalS + input.slowDownStepS : device.intervalS;
    run(
      ctx,
      'UPDATE device_authorizations SET last_polled_at = ?, interval_s = ? WHERE id = ?',
      input.now,
      intervalS,
      device.id,
    );
    return early ? { outcome: 'slow_down', intervalS } : { outcome: 'pending' };
  });
}

export function consumeDeviceAuthorization(
  ctx: SqliteContext,
  input: ConsumeDeviceInput,
): GrantRecord | null {
  return ctx.write(() => {
    const changed = run(
      ctx,
      `UPDATE device_authorizations SET status = 'consumed', grant_id = ? WHERE id = ? AND status = 'approved'`,
      input.grant.id,
      input.id,
    );
    if (changed === 0) return null;
    return insertGrant(ctx, input.grant, input.tokens, input.now);
  });
}

function deviceFromRow(key: DataKey, r: Row): DeviceAuthorizationRecord {
  return {
    id: r.id as string,
    clientId: r.client_id as string,
    scope: r.scope as string,
    status: r.status as DeviceAuthorizationRecord['status'],
    createdAt: r.created_at as number,
    expiresAt: r.expires_at as number,
    intervalS: r.interval_s as number,
    lastPolledAt: nullable(r.last_polled_at),
    ownerId: nullable(r.owner_id),
    linkedClientId: nullable(r.linked_client_id),
    linkedScope: nullable(r.linked_scope),
    grantId: nullable(r.grant_id),
    decidedAt: nullable(r.decided_at),
    meta: openMeta(key, r.request_meta_sealed, SEALED.deviceMeta.context),
  };
}
