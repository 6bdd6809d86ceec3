/**
 * The Store: everything ma-auth persists, behind an async interface so that a
 * networked backend (PostgreSQL, see DESIGN.md "Later") can implement it
 * without changing its callers. The SQLite implementation answers from the
 * same process, but callers never rely on that.
 *
 * Each method is one atomic operation (in SQLite one write transaction; in
 * PostgreSQL it would be SELECT … FOR UPDATE in one transaction); a write has
 * reached stable storage (fsync) before its promise resolves — DESIGN.md
 * "Durable before it answers". Policy (lifetimes, grace windows, limits) is the
 * caller's: it is passed in, never decided here.
 *
 * Secrets arrive already hashed. Fields typed `RequestMeta`, `state` and audit
 * details arrive in clear and are sealed by the implementation.
 */

import type { AuthorizationCodeRecord, RedeemCodeInput, RedeemCodeResult } from './records/codes.js';
import type {
  GrantListFilter,
  GrantRecord,
  GrantSummary,
  NewGrant,
  NewToken,
  RotateRefreshInput,
  RotateRefreshResult,
  TokenLookup,
} from './records/grants.js';
import type { LegacyImport, LegacyImportResult, LegacyStatus } from './records/legacy.js';
import type { ClientPatch, SweepInput, SweepResult } from './records/maintenance.js';
import type {
  ApprovePairingInput,
  ApprovePairingResult,
  ConsumeDeviceInput,
  DecideDeviceResult,
  DeviceAuthorizationRecord,
  NewDeviceAuthorization,
  NewPendingRequest,
  PendingRequestRecord,
  PollInput,
  PollResult,
} from './records/pairing.js';
import type {
  AuditEvent,
  AuditFilter,
  ClientRecord,
  KeyBinding,
  NewAuditEvent,
  NewClient,
  Owner,
  StoreCounts,
} from './types.js';

export interface Store {
  /** Schema version of the open store. */
  schemaVersion(): Promise<number>;
  keyBinding(): Promise<KeyBinding | null>;

  /**
   * First-time set-up in one transaction: key binding, owner and clients.
   * Fails if the store is already initialised.
   */
  initialise(setup: { owner: Owner; clients: readonly NewClient[]; now: number }): Promise<void>;
  owner(): Promise<Owner | null>;

  // ── clients ──
  getClient(id: string): Promise<ClientRecord | null>;
  listClients(): Promise<ClientRecord[]>;
  addClient(client: NewClient, now: number): Promise<void>;
  /** Returns false when no such client exists. */
  updateClient(id: string, patch: ClientPatch, now: number): Promise<boolean>;
  /** Deletes the client and, with it, every grant, token, code and pairing it holds. */
  removeClient(id: string): Promise<boolean>;

  // ── grants and tokens ──
  /** A grant and its first tokens, together (code and device redemption, migration). */
  createGrant(input: { grant: NewGrant; tokens: readonly NewToken[]; now: number }): Promise<GrantRecord>;
  getGrant(id: string): Promise<GrantRecord | null>;
  findToken(hash: string): Promise<TokenLookup | null>;
  rotateRefreshToken(input: RotateRefreshInput): Promise<RotateRefreshResult>;
  /** Revokes the grant and every token in it. False if it was unknown or already revoked. */
  revokeGrant(id: string, now: number, reason: string): Promise<boolean>;
  /** Revokes every live grant of a client; returns how many. */
  revokeClientGrants(clientId: string, now: number, reason: string): Promise<number>;
  /** Revokes one token (an access token); false if unknown or already revoked. */
  revokeToken(hash: string, now: number): Promise<boolean>;
  listGrants(filter: GrantListFilter): Promise<GrantSummary[]>;

  // ── authorization codes ──
  getAuthorizationCode(hash: string): Promise<AuthorizationCodeRecord | null>;
  redeemAuthorizationCode(input: RedeemCodeInput): Promise<RedeemCodeResult>;

  // ── pending authorization requests (consent page) ──
  createPendingRequest(request: NewPendingRequest): Promise<void>;
  getPendingRequest(idHash: string): Promise<PendingRequestRecord | null>;
  /** Consumes a request without issuing anything (deny); false if it was already gone. */
  deletePendingRequest(idHash: string): Promise<boolean>;
  /** Approve with a pairing code: device authorization approved, request consumed, code issued — or one failure counted. */
  approvePendingRequest(input: ApprovePairingInput): Promise<ApprovePairingResult>;

  // ── device authorizations (RFC 8628) ──
  /** Throws StoreError `conflict` when the user code collides with a live one (the caller draws another). */
  createDeviceAuthorization(input: NewDeviceAuthorization): Promise<void>;
  findDeviceAuthorizationByUserCode(userCodeHash: string): Promise<DeviceAuthorizationRecord | null>;
  decideDeviceAuthorization(input: {
    id: string;
    approve: boolean;
    ownerId: string;
    now: number;
  }): Promise<DecideDeviceResult>;
  /** Cancels a pending authorization of this client; false if none was pending. */
  cancelDeviceAuthorization(input: {
    deviceCodeHash: string;
    clientId: string;
    now: number;
  }): Promise<boolean>;
  pollDeviceAuthorization(input: PollInput): Promise<PollResult>;
  /** Approved → consumed plus the grant and tokens; null when it was no longer approved (a concurrent poll won). */
  consumeDeviceAuthorization(input: ConsumeDeviceInput): Promise<GrantRecord | null>;

  // ── failed-attempt counters (pairing codes per client address) ──
  /** Counts one failure under an opaque key within a fixed window; returns the count in the window. */
  recordFailedAttempt(input: { key: string; now: number; windowMs: number }): Promise<number>;
  failedAttempts(key: string, now: number): Promise<number>;

  // ── audit, maintenance ──
  appendAudit(event: NewAuditEvent): Promise<void>;
  /** Newest first. With `detail: false` the sealed details are not opened (no key needed; `detail` is `{}`). */
  listAudit(filter: AuditFilter): Promise<AuditEvent[]>;
  /** When the owner last reviewed the audit trail (`ma-auth audit`), epoch ms; null if never. No key needed. */
  auditReviewedAt(): Promise<number | null>;
  markAuditReviewed(at: number): Promise<void>;
  sweepExpired(input: SweepInput): Promise<SweepResult>;

  counts(now: number): Promise<StoreCounts>;

  // ── legacy server import (ma-auth migrate; records/legacy.ts) ──
  /**
   * The whole import in one transaction, decided entry by entry as it is
   * written (records/legacy.ts); rolled back for a dry run, and when nothing is
   * new and a migration is on record (the file untouched).
   */
  importLegacy(input: LegacyImport): Promise<LegacyImportResult>;
  legacyStatus(): Promise<LegacyStatus>;
  /** Records that the owner was told about legacy files; false if already told, or a migration is on record. */
  markLegacyNoticeShown(now: number): Promise<boolean>;

  /**
   * Optional: report how long each write transaction took, commit (fsync)
   * included, in seconds — for metrics. One observer; null removes it.
   */
  observeCommits?(observer: ((seconds: number) => void) | null): void;

  close(): Promise<void>;
}
