/** Rendering what a backup holds, for backup, backup --verify and restore. */
import { fingerprint } from '../../../keys/data-key.js';
import type { BackupHeader } from '../../../ops/backup-format/header.js';
import type { StoreFacts } from '../../../store/sqlite/snapshot.js';

/** The rows that matter to an owner, in the order they read best. */
export const SHOWN_TABLES: readonly (readonly [string, string])[] = [
  ['clients', 'clients'],
  ['grants', 'grants'],
  ['tokens', 'tokens'],
  ['authorization_codes', 'authorization codes'],
  ['device_authorizations', 'pairings'],
  ['pending_requests', 'consent requests'],
  ['audit_events', 'audit events'],
];

export function factsJson(facts: StoreFacts) {
  return { schemaVersion: facts.schemaVersion, activeGrants: facts.activeGrants, tables: facts.tables };
}

export function factsLine(facts: StoreFacts): string {
  const n = (t: string) => facts.tables[t] ?? 0;
  return (
    `${n('clients')} clients, ${n('grants')} grants (${facts.activeGrants} active), ${n('tokens')} tokens, ` +
    `${n('device_authorizations')} pairings, ${n('audit_events')} audit events`
  );
}

export function sealedWithText(header: Pick<BackupHeader, 'sealedWith' | 'keyId'>): string {
  return header.sealedWith === 'passphrase'
    ? 'sealed with a passphrase'
    : `sealed with data key ${fingerprint(header.keyId)}`;
}

export function sizeText(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "3 days ago", "5 minutes ago". */
export function ageText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const units: [number, string][] = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (s >= size) {
      const v = Math.floor(s / size);
      return `${v} ${name}${v === 1 ? '' : 's'} ago`;
    }
  }
  return 'just now';
}
