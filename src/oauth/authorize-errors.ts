/**
 * The two ways an authorization request can fail (RFC 6749 §4.1.2.1):
 *
 * - Before the client and redirect URI are known good, the error is shown to
 *   the user as a page and never redirected — redirecting to an unverified URI
 *   would make the listener an open redirector.
 * - After, the error goes back to the client on the verified redirect URI with
 *   its `state`.
 *
 * The consent step raises page errors too (expired, locked, forged form).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
import type { OAuthError } from './errors.js';
import { appendQuery } from './redirect.js';

export type PageErrorReason =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'invalid_redirect_uri'
  | 'request_expired'
  | 'request_locked'
  | 'csrf_mismatch'
  | 'address_locked'
  | 'server_error';

export class AuthorizationPageError extends Error {
  override readonly name = 'AuthorizationPageError';
  constructor(
    readonly reason: PageErrorReason,
    /** Safe to show: never holds a code, token or secret. */
    readonly description: string,
    readonly status = 400,
  ) {
    super(`${reason}: ${description}`);
  }
}

export class AuthorizationRedirectError extends Error {
  override readonly name = 'AuthorizationRedirectError';
  constructor(
    readonly error: OAuthError,
    readonly redirectUri: string,
    readonly state: string | null,
  ) {
    super(`${error.code}: ${error.description}`);
  }

  /** Where to send the browser (303): the redirect URI with `error`, `error_description`, `state`. */
  get location(): string {
    return appendQuery(this.redirectUri, {
      error: this.error.code,
      error_description: this.error.description,
      state: this.state,
    });
  }
}
