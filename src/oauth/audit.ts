/** Audit events the protocol records. Details are sealed by the store (they may hold addresses). */
import type { AuditSeverity, NewAuditEvent } from '../store/types.js';
import type { OAuthDeps, RequestMeta } from './context.js';

export type AuditKind =
  | 'client_auth_failed'
  | 'code_replayed'
  | 'refresh_reuse_detected'
  /** An accepted refresh with a token older than the newest issued (DESIGN.md "Refresh"). */
  | 'refresh_old_token'
  | 'pairing_failed'
  | 'pairing_locked'
  | 'linked'
  | 'link_denied'
  | 'device_approved'
  | 'device_denied'
  | 'grant_revoked'
  | 'client_secret_rotated'
  | 'client_added'
  | 'client_redirect_uris_changed'
  | 'client_removed';

export interface AuditInput {
  kind: AuditKind;
  severity: AuditSeverity;
  clientId?: string | null;
  grantId?: string | null;
  meta?: RequestMeta | null;
  detail?: Record<string, unknown>;
}

export async function audit(deps: Pick<OAuthDeps, 'store' | 'now'>, event: AuditInput): Promise<void> {
  await deps.store.appendAudit(auditEvent(deps, event));
}

/** The stored form of an event, for a store call that writes it in its own transaction. */
export function auditEvent(deps: Pick<OAuthDeps, 'now'>, event: AuditInput): NewAuditEvent {
  return {
    at: deps.now(),
    kind: event.kind,
    severity: event.severity,
    clientId: event.clientId ?? null,
    grantId: event.grantId ?? null,
    detail: {
      ...event.detail,
      ...(event.meta ? { address: event.meta.address, userAgent: event.meta.userAgent } : {}),
    },
  };
}
