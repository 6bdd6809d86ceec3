/** Sweeping expired rows; retention is policy, passed in by the caller. */
export interface SweepInput {
  readonly now: number;
  /** Expired tokens are kept this long (a retired refresh token must stay known for reuse detection). */
  readonly tokenRetentionMs: number;
  /** Expired authorization codes are kept this long, so a late replay is still recognised. */
  readonly codeRetentionMs: number;
  /** Expired device authorizations are kept this long, so a late poll still gets `expired_token`. */
  readonly deviceRetentionMs: number;
}

export interface SweepResult {
  readonly tokens: number;
  readonly grants: number;
  readonly authorizationCodes: number;
  readonly pendingRequests: number;
  readonly deviceAuthorizations: number;
  readonly attemptCounters: number;
}

/** What the owner may change on a client. */
export interface ClientPatch {
  readonly name?: string;
  readonly secretHash?: string | null;
  readonly redirectUris?: readonly string[];
  readonly requirePkce?: boolean;
}
