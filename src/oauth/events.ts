/**
 * What the protocol core reports as it works, for metrics (src/server/metrics).
 * The core stays HTTP- and Prometheus-free: it calls an optional callback in
 * `OAuthDeps` with one of these plain events.
 *
 * An event carries only outcomes from a fixed set — never a token, code,
 * secret, client id or address — so whatever consumes it cannot leak one.
 */
import type { OAuthDeps } from './context.js';

export type OAuthEvent =
  /** GET /alexa/authorize accepted: a consent page was shown. */
  | { readonly kind: 'authorization'; readonly outcome: 'started' | 'approved' | 'denied' }
  /** A pairing (device authorization) was started (RFC 8628 §3.1). */
  | { readonly kind: 'device_authorization_started' }
  /**
   * One pairing code entered on the consent page: `ok` linked, `wrong_code`
   * counted against the request and the address, `locked_out` refused because
   * the request or the address had reached its limit.
   */
  | { readonly kind: 'pairing_attempt'; readonly outcome: 'ok' | 'wrong_code' | 'locked_out' }
  /** A request or an address just reached its wrong-code limit. */
  | { readonly kind: 'pairing_lockout'; readonly by: 'request' | 'address' }
  /** A token response went out, by grant. */
  | { readonly kind: 'tokens_issued'; readonly grant: 'authorization_code' | 'refresh_token' | 'device_code' }
  /**
   * A refresh grant: `rotated` — the client presented the newest refresh token
   * it was given (the normal case); `ok` — it presented an older one that is
   * still accepted (it did not store the last rotation, or retried within the
   * grace window); `reuse_detected` — a retired token came back and the grant
   * was revoked; `rejected` — unknown, expired or revoked token.
   */
  | { readonly kind: 'refresh'; readonly outcome: 'rotated' | 'ok' | 'reuse_detected' | 'rejected' }
  | { readonly kind: 'introspection'; readonly active: boolean }
  | { readonly kind: 'client_auth_failed' };

/** Reports an event; a failing consumer never breaks the protocol. */
export function emit(deps: Pick<OAuthDeps, 'events'>, event: OAuthEvent): void {
  try {
    deps.events?.(event);
  } catch {
    // Metrics are best effort.
  }
}
