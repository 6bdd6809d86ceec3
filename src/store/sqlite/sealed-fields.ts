/**
 * Every sealed column and the AEAD context it is sealed under. Re-sealing
 * (rotate-key, restore: reseal.ts) walks this list; a new sealed column must be
 * added here — a sealed row of `meta` names its row in `metaName`. Keyed
 * hashes (values HMAC'd under the data key) are listed in reseal.ts.
 */
export const SEALED = {
  keyCheck: { table: 'meta', column: 'value', context: 'meta.key_check', metaName: 'key_check' },
  ownerProfile: {
    table: 'meta',
    column: 'value',
    context: 'meta.owner_profile',
    metaName: 'owner_profile_sealed',
  },
  auditDetail: { table: 'audit_events', column: 'detail_sealed', context: 'audit.detail' },
  pendingState: { table: 'pending_requests', column: 'state_sealed', context: 'pending_requests.state' },
  pendingMeta: {
    table: 'pending_requests',
    column: 'request_meta_sealed',
    context: 'pending_requests.request_meta',
  },
  deviceMeta: {
    table: 'device_authorizations',
    column: 'request_meta_sealed',
    context: 'device_authorizations.request_meta',
  },
} as const;
