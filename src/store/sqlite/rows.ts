/** Row → record mapping, kept apart so queries stay readable. */
import type { ClientRecord } from '../types.js';

export function clientFromRow(row: unknown): ClientRecord {
  const r = row as Record<string, unknown>;
  return {
    id: r.id as string,
    name: r.name as string,
    role: r.role as ClientRecord['role'],
    type: r.type as ClientRecord['type'],
    secretHash: (r.secret_hash as string | null) ?? null,
    redirectUris: JSON.parse(r.redirect_uris as string),
    grantTypes: JSON.parse(r.grant_types as string),
    scopes: (r.scopes as string).split(' ').filter(Boolean),
    requirePkce: r.require_pkce === 1,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}
