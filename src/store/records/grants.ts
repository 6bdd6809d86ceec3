/**
 * Grants (token families) and the tokens issued under them.
 *
 * A grant is everything issued from one approval; revoking it kills every token
 * of the family. Tokens are known only by the SHA-256 of their text.
 */

/** How a grant came to be; `link_status` is the CLI's short-lived "what was linked" token. */
export type GrantOrigin = 'authorization_code' | 'device_code' | 'link_status' | 'migrated';

export interface GrantRecord {
  readonly id: string;
  readonly clientId: string;
  readonly ownerId: string;
  /** Space-delimited scope the owner approved. */
  readonly scope: string;
  readonly origin: GrantOrigin;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  readonly revokedAt: number | null;
  readonly revokedReason: string | null;
}

export interface NewGrant {
  readonly id: string;
  readonly clientId: string;
  readonly ownerId: string;
  readonly scope: string;
  readonly origin: GrantOrigin;
}

export type TokenType = 'access' | 'refresh';

export interface TokenRecord {
  /** SHA-256 (hex) of the token text. */
  readonly hash: string;
  readonly kind: TokenType;
  readonly grantId: string;
  readonly scope: string;
  /** Refresh: rotation generation (0 = issued with the grant). Access: that of the refresh token it came with. */
  readonly generation: number;
  readonly createdAt: number;
  /** Access: fixed. Refresh: last activity + the idle TTL. */
  readonly expiresAt: number;
  /** Refresh: when the client first presented it, proving it stored it. */
  readonly usedAt: number | null;
  readonly lastUsedAt: number | null;
  /** Refresh: retired because a newer token of the family was used (or at once, under strict rotation). */
  readonly supersededAt: number | null;
  readonly revokedAt: number | null;
}

export interface NewToken {
  readonly hash: string;
  readonly kind: TokenType;
  readonly scope: string;
  readonly generation: number;
  readonly expiresAt: number;
}

/** A token with its grant, as lookups return it. */
export interface TokenLookup {
  readonly token: TokenRecord;
  readonly grant: GrantRecord;
}

/** One row of `ma-auth tokens`. */
export interface GrantSummary extends GrantRecord {
  readonly clientName: string;
  /** When the family dies unless used again: latest expiry of its live tokens; null if none is live. */
  readonly expiresAt: number | null;
}

export interface GrantListFilter {
  readonly now: number;
  readonly clientId?: string;
  /** Include revoked grants and grants without a live token. Default false. */
  readonly includeInactive?: boolean;
}

/**
 * One refresh-token rotation (DESIGN.md "Refresh"), all policy passed in.
 * The store applies it atomically: classify the presented token, retire or
 * prune what the rules say, issue the new pair.
 */
export interface RotateRefreshInput {
  readonly presentedHash: string;
  readonly clientId: string;
  readonly now: number;
  /** The new refresh token; its generation is decided by the store. */
  readonly refreshHash: string;
  readonly accessHash: string;
  /** The access token's scope; null: the grant's (the common case, decided inside the transaction). */
  readonly accessScope: string | null;
  readonly accessExpiresAt: number;
  /** Refresh tokens expire this long after their last use. */
  readonly refreshIdleMs: number;
  /** A retired token presented within this long after retirement is a retried request, not reuse. */
  readonly graceMs: number;
  /** Strict rotation (public / device clients): the presented token dies as soon as it is rotated. */
  readonly strict: boolean;
  /** At most this many issued-but-never-presented refresh tokens per family; older ones are revoked. */
  readonly maxUnconfirmed: number;
}

export type RotateRefreshResult =
  | {
      readonly outcome: 'rotated';
      readonly grant: GrantRecord;
      readonly generation: number;
      readonly via: RotationPath;
    }
  | { readonly outcome: 'not_found' }
  | { readonly outcome: 'revoked'; readonly grantId: string }
  | { readonly outcome: 'expired'; readonly grantId: string }
  /** A retired token came back outside the grace window. The store changed nothing; the caller decides. */
  | {
      readonly outcome: 'reuse';
      readonly grantId: string;
      readonly generation: number;
      readonly supersededAt: number;
    };

/**
 * - `confirmed`: first use of a newly issued token; its parent and siblings were retired.
 * - `repeat`: the family's current token again (a client that does not store rotated tokens).
 * - `grace`: a just-retired token within the grace window (a retried request).
 */
export type RotationPath = 'confirmed' | 'repeat' | 'grace';
