/** Records as the store hands them out. Times are epoch milliseconds. */

export type ClientRole = 'alexa' | 'cli' | 'introspection' | 'device';
export type ClientType = 'confidential' | 'public';

export interface ClientRecord {
  readonly id: string;
  readonly name: string;
  /** What the client is for; decides which endpoints and grants it may use. */
  readonly role: ClientRole;
  readonly type: ClientType;
  /** SHA-256 (hex) of the client secret; null for public clients and the CLI (whose secret is derived). */
  readonly secretHash: string | null;
  readonly redirectUris: readonly string[];
  readonly grantTypes: readonly string[];
  readonly scopes: readonly string[];
  readonly requirePkce: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type NewClient = Omit<ClientRecord, 'createdAt' | 'updatedAt'>;

export type AuditSeverity = 'info' | 'warning' | 'critical';

export interface AuditEvent {
  readonly id: number;
  readonly at: number;
  readonly kind: string;
  readonly severity: AuditSeverity;
  readonly clientId: string | null;
  readonly grantId: string | null;
  /** Opened (decrypted) detail; sealed at rest because it may hold addresses. */
  readonly detail: Readonly<Record<string, unknown>>;
}

export type NewAuditEvent = Omit<AuditEvent, 'id'>;

export interface AuditFilter {
  /** Epoch ms, inclusive. */
  readonly since?: number;
  readonly kinds?: readonly string[];
  readonly severities?: readonly AuditSeverity[];
  /** Default 1000. */
  readonly limit?: number;
  /** Open the sealed details (needs the data key). Default true. */
  readonly detail?: boolean;
}

export interface StoreCounts {
  readonly clients: number;
  /** Grants not revoked that still hold a live refresh or access token. */
  readonly activeGrants: number;
  /** Device authorizations (pairings) waiting for approval and not expired. */
  readonly pendingPairings: number;
}

export interface Owner {
  readonly id: string;
  readonly name: string;
}

/** Which data key sealed the store, recorded at creation and on rotation. */
export interface KeyBinding {
  readonly keyId: string;
}

export type * from './records/codes.js';
export type * from './records/grants.js';
export type * from './records/legacy.js';
export type * from './records/maintenance.js';
export type * from './records/pairing.js';
