/**
 * Pairing state: device authorizations (RFC 8628), pending authorization
 * requests waiting on the consent page, and failed-attempt counters.
 */
import type { NewAuditEvent } from '../types.js';
import type { NewGrant, NewToken } from './grants.js';

/** Who asked, as the listener saw it. Personal data: sealed at rest. */
export interface RequestMeta {
  readonly address: string | null;
  readonly userAgent: string | null;
}

export type DeviceAuthorizationStatus = 'pending' | 'approved' | 'denied' | 'consumed' | 'cancelled';

export interface DeviceAuthorizationRecord {
  readonly id: string;
  readonly clientId: string;
  readonly scope: string;
  readonly status: DeviceAuthorizationStatus;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Current polling interval in seconds; grows by `slow_down`. */
  readonly intervalS: number;
  readonly lastPolledAt: number | null;
  readonly ownerId: string | null;
  /** For a CLI pairing: the client (Alexa) that the code linked, and the scope it got. */
  readonly linkedClientId: string | null;
  readonly linkedScope: string | null;
  readonly grantId: string | null;
  readonly decidedAt: number | null;
  readonly meta: RequestMeta;
}

export interface NewDeviceAuthorization {
  readonly id: string;
  readonly deviceCodeHash: string;
  readonly userCodeHash: string;
  readonly clientId: string;
  readonly scope: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly intervalS: number;
  readonly meta: RequestMeta;
}

export interface PollInput {
  readonly deviceCodeHash: string;
  readonly clientId: string;
  readonly now: number;
  /** RFC 8628 §3.5: added to the interval (persisted) when the client polls too fast. */
  readonly slowDownStepS: number;
  /** A poll this much early still counts as on time (timer jitter, network latency). */
  readonly toleranceMs: number;
}

export type PollResult =
  | { readonly outcome: 'not_found' }
  | { readonly outcome: 'expired' }
  | { readonly outcome: 'pending' }
  | { readonly outcome: 'slow_down'; readonly intervalS: number }
  | { readonly outcome: 'denied' }
  | { readonly outcome: 'cancelled' }
  | { readonly outcome: 'consumed' }
  | { readonly outcome: 'approved'; readonly authorization: DeviceAuthorizationRecord };

export interface ConsumeDeviceInput {
  readonly id: string;
  readonly now: number;
  readonly grant: NewGrant;
  readonly tokens: readonly NewToken[];
}

export type DecideDeviceResult =
  | { readonly outcome: 'decided'; readonly authorization: DeviceAuthorizationRecord }
  | { readonly outcome: 'not_found' }
  | { readonly outcome: 'expired' }
  | { readonly outcome: 'not_pending'; readonly status: DeviceAuthorizationStatus };

export interface PendingRequestRecord {
  /** SHA-256 of the request handle given to the consent page. */
  readonly idHash: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  /** The client's `state`, echoed exactly on the redirect. */
  readonly state: string | null;
  readonly codeChallenge: string | null;
  readonly codeChallengeMethod: string | null;
  readonly csrfHash: string;
  readonly failedAttempts: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly meta: RequestMeta;
}

export type NewPendingRequest = Omit<PendingRequestRecord, 'failedAttempts'>;

/** Approve a pending request with a pairing code, atomically (DESIGN.md "Linking Alexa" step 5). */
export interface ApprovePairingInput {
  readonly requestIdHash: string;
  readonly userCodeHash: string;
  readonly now: number;
  readonly ownerId: string;
  /** Only device authorizations created by this client may approve the link (the CLI). */
  readonly pairingClientId: string;
  /** The request is dead once it has this many failed attempts. */
  readonly maxFailedAttempts: number;
  /** The code to issue on success; its client, redirect URI, scope and PKCE come from the request. */
  readonly code: { readonly hash: string; readonly expiresAt: number };
  /**
   * The audit event of a successful link, written in the same transaction
   * (one commit for the approval and its record, not two in a row).
   */
  readonly linkedAudit?: (deviceAuthorizationId: string) => NewAuditEvent;
}

export type ApprovePairingResult =
  /** The request is gone; the caller has its state and redirect URI from reading it before. */
  | { readonly outcome: 'linked'; readonly deviceAuthorizationId: string }
  | { readonly outcome: 'not_found' }
  | { readonly outcome: 'expired' }
  | { readonly outcome: 'locked'; readonly failedAttempts: number }
  | { readonly outcome: 'wrong_code'; readonly failedAttempts: number };
