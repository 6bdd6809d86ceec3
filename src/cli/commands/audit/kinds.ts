/**
 * What each audit event kind means, in the owner's words. The store keeps any
 * kind a component records; a kind missing here is still listed, with its
 * raw name. Kinds recorded by the protocol core: src/oauth/audit.ts; by the
 * operations (`rotate-key`, `restore`, `migrate`): src/ops.
 */
export const AUDIT_KINDS: Readonly<Record<string, string>> = {
  linked: 'Alexa linked: a pairing code was accepted on the consent page',
  link_denied: 'linking denied on the consent page',
  refresh_old_token:
    'refreshed with an older refresh token (the client did not store the rotated one, or retried)',
  refresh_reuse_detected:
    'a replaced refresh token was used again: its grant was revoked (possible token theft; link again)',
  code_replayed: 'an authorization code was used twice: the tokens it issued were revoked',
  pairing_failed: 'wrong pairing code entered on the consent page',
  pairing_locked: 'pairing locked out after too many wrong codes',
  client_auth_failed: 'client authentication failed (wrong or missing secret, or unknown client)',
  device_approved: 'a device was approved (ma-auth approve)',
  device_denied: 'a device was denied (ma-auth approve --deny)',
  grant_revoked: 'a grant was revoked (ma-auth tokens revoke, or a client was removed)',
  client_added: 'a client was added (ma-auth clients add)',
  client_removed: 'a client was removed (ma-auth clients remove)',
  client_secret_rotated: "a client's secret was replaced (ma-auth clients rotate-secret)",
  client_redirect_uris_changed: "the Alexa client's redirect URIs changed (ma-auth clients redirect-uris)",
  key_rotated: 'the data key was rotated (ma-auth rotate-key)',
  restored: 'the store was restored from a backup (ma-auth restore)',
  migrated: "the legacy server's tokens and clients were imported (ma-auth migrate)",
};

export function describeKind(kind: string): string {
  return AUDIT_KINDS[kind] ?? kind.replace(/_/g, ' ');
}
