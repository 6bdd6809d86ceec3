/** The audit trail on SQLite. Details are sealed: they may hold client addresses. */
import { open, seal } from '../../crypto/aead.js';
import type { AuditEvent, AuditFilter, NewAuditEvent } from '../types.js';
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

export function listAudit(ctx: SqliteContext, filter: AuditFilter): AuditEvent[] {
  const withDetail = filter.detail ?? true;
  const key = withDetail ? ctx.requireKey() : null;
  const kinds = filter.kinds ?? [];
  const severities = filter.severities ?? [];
  const placeholders = (n: number) => Array(n).fill('?').join(',');
  const rows = all(
    ctx,
    `SELECT * FROM audit_events WHERE at >= ?
       ${kinds.length ? `AND kind IN (${placeholders(kinds.length)})` : ''}
       ${severities.length ? `AND severity IN (${placeholders(severities.length)})` : ''}
     ORDER BY at DESC, id DESC LIMIT ?`,
    filter.since ?? 0,
    ...kinds,
    ...severities,
    filter.limit ?? 1000,
  );
  return rows.map((r) => ({
    id: r.id as number,
    at: r.at as number,
    kind: r.kind as string,
    severity: r.severity as AuditEvent['severity'],
    clientId: (r.client_id as string | null) ?? null,
    grantId: (r.grant_id as string | null) ?? null,
    detail:
      key && r.detail_sealed
        ? JSON.parse(open(key, r.detail_sealed as string, SEALED.auditDetail.context).toString('utf8'))
        : {},
  }));
}
