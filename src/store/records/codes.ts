/** Authorization codes (RFC 6749 §4.1.2): single use, short-lived, known only by hash. */
import type { GrantRecord, NewGrant, NewToken } from './grants.js';

export interface AuthorizationCodeRecord {
  readonly hash: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly ownerId: string;
  readonly codeChallenge: string | null;
  readonly codeChallengeMethod: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly consumedAt: number | null;
  /** The grant its redemption created; what a replay revokes. */
  readonly grantId: string | null;
}

export interface RedeemCodeInput {
  readonly codeHash: string;
  readonly clientId: string;
  readonly now: number;
  readonly grant: NewGrant;
  readonly tokens: readonly NewToken[];
}

export type RedeemCodeResult =
  | { readonly outcome: 'issued'; readonly grant: GrantRecord }
  | { readonly outcome: 'not_found' }
  | { readonly outcome: 'expired' }
  /** Already redeemed: the store changed nothing; the caller revokes `grantId` (RFC 6749 §4.1.2). */
  | { readonly outcome: 'replayed'; readonly grantId: string | null };
