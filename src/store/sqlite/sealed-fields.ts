/**
 * Every sealed column and the AEAD context it is sealed under. Re-sealing
 * (rotate-key, restore) walks this list; a new sealed column must be added here.
 */
export const SEALED = {
  keyCheck: { table: 'meta', column: 'value', context: 'meta.key_check' },
  ownerProfile: { table: 'meta', column: 'value', context: 'meta.owner_profile' },
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
