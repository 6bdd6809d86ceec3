/**
 * Protocol policy, in one place. The store never decides these; it is handed
 * them. Values in seconds unless named otherwise.
 */

/** DESIGN.md: codes live at most 5 minutes (RFC 6749 §4.1.2 allows up to 10). */
export const AUTHORIZATION_CODE_TTL_S = 300;

/** How long the consent page stays usable. */
export const PENDING_REQUEST_TTL_S = 600;

/** RFC 8628 §3.2 `expires_in` of a pairing; DESIGN.md: ≤ 10 minutes. */
export const DEVICE_CODE_TTL_S = 600;
/** RFC 8628 §3.2 `interval`: the minimum seconds between polls. */
export const DEVICE_POLL_INTERVAL_S = 5;
/** RFC 8628 §3.5: every `slow_down` raises the interval by 5 seconds. */
export const SLOW_DOWN_STEP_S = 5;
/** A poll up to this early still counts as on time: clients time from their side of the network. */
export const POLL_TOLERANCE_MS = 1000;

/** Wrong pairing codes a consent request survives; at this count it is dead (RFC 8628 §5.1). */
export const MAX_PAIRING_ATTEMPTS_PER_REQUEST = 5;
/** Wrong pairing codes one client address may enter per window, across requests (RFC 8628 §5.1). */
export const MAX_PAIRING_FAILURES_PER_ADDRESS = 10;
export const PAIRING_FAILURE_WINDOW_S = 15 * 60;

/**
 * A retired refresh token presented this soon after retirement is a retried
 * request (its first response was lost), not theft (DESIGN.md "Refresh").
 */
export const REFRESH_GRACE_S = 10;
/**
 * Issued-but-never-presented refresh tokens kept per family. A client that
 * never stores rotated tokens gets a new one on every refresh; keeping a few
 * covers concurrent refreshes without letting the family grow without bound.
 */
export const MAX_UNCONFIRMED_REFRESH_TOKENS = 3;

/** The CLI's "what was linked" access token: short-lived and good for nothing else. */
export const LINK_STATUS_TOKEN_TTL_S = 60;

/** Expired tokens are kept this long before the sweep deletes them. */
export const TOKEN_RETENTION_S = 7 * 24 * 3600;
/** Consumed codes are kept this long after expiry, so a late replay still revokes what they issued. */
export const CODE_RETENTION_S = 24 * 3600;
/** Expired pairings are kept this long, so a late poll gets `expired_token` rather than `invalid_grant`. */
export const DEVICE_RETENTION_S = 3600;
