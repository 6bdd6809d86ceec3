/** The audit trail on SQLite. Details are sealed: they may hold client addresses. */
import { open, seal } from '../../crypto/aead.js';
import type { AuditEvent, NewAuditEvent } from '../types.js';
import { all, run, type SqliteContext } from './context.js';
import { SEALED } from './sealed-fields.js';

export function appendAudit(ctx: SqliteContext, event: NewAuditEvent): void {
  const key = ctx.requireKey();
  ctx.write(() =>
    run(
      ctx,
      'INSERT INTO audit_events (at, kind, severity, client_id, grant_id, detail_sealed) VALUES (?, ?, ?, ?, ?, ?)',
      event.at,
      event.kind,
      event.severity,
      event.clientId,
      event.grantId,
      seal(key, JSON.stringify(event.detail), SEALED.auditDetail.context),
    ),
  );
}

export function listAudit(
  ctx: SqliteContext,
  filter: { since?: number; kinds?: readonly string[]; limit?: number },
): AuditEvent[] {
  const key = ctx.requireKey();
  const kinds = filter.kinds ?? [];
  const rows = all(
    ctx,
    `SELECT * FROM audit_events WHERE at >= ? ${kinds.length ? `AND kind IN (${kinds.map(() => '?').join(',')})` : ''}
     ORDER BY at DESC, id DESC LIMIT ?`,
    filter.since ?? 0,
    ...kinds,
    filter.limit ?? 1000,
  );
  return rows.map((r) => ({
    id: r.id as number,
    at: r.at as number,
    kind: r.kind as string,
    severity: r.severity as AuditEvent['severity'],
    clientId: (r.client_id as string | null) ?? null,
    grantId: (r.grant_id as string | null) ?? null,
    detail: r.detail_sealed
      ? JSON.parse(open(key, r.detail_sealed as string, SEALED.auditDetail.context).toString('utf8'))
      : {},
  }));
}
