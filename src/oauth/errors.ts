/**
 * The OAuth error model: one base class, one small class per RFC error code.
 * The listener's single error handler renders any of them per RFC 6749 §5.2
 * (`{"error": code, "error_description": …}` with `status`). Protocol code
 * throws them with early-return checks; it never builds responses itself.
 *
 * Descriptions are shown to clients: they never contain a token, secret,
 * code or pairing code.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2.1
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'unsupported_token_type'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'server_error'
  | 'temporarily_unavailable';

export class OAuthError extends Error {
  override readonly name: string = 'OAuthError';
  /** Headers the response must carry (WWW-Authenticate, Retry-After). */
  readonly headers: Record<string, string> = {};
  constructor(
    readonly code: OAuthErrorCode,
    readonly status: number,
    readonly description: string,
  ) {
    super(`${code}: ${description}`);
  }
  /** Server errors keep their details in the log only. */
  get expose(): boolean {
    return this.status < 500;
  }
}

const define = (code: OAuthErrorCode, status: number) =>
  class extends OAuthError {
    constructor(description: string) {
      super(code, status, description);
    }
  };

export const InvalidRequest = define('invalid_request', 400);
export const InvalidGrant = define('invalid_grant', 400);
export const UnauthorizedClient = define('unauthorized_client', 400);
export const UnsupportedGrantType = define('unsupported_grant_type', 400);
export const InvalidScope = define('invalid_scope', 400);
export const AccessDenied = define('access_denied', 400);
export const UnsupportedResponseType = define('unsupported_response_type', 400);
export const UnsupportedTokenType = define('unsupported_token_type', 400);
export const AuthorizationPending = define('authorization_pending', 400);
export const SlowDown = define('slow_down', 400);
export const ExpiredToken = define('expired_token', 400);
export const ServerError = define('server_error', 500);

/** RFC 6749 §5.2: 401 with WWW-Authenticate when the client tried HTTP Basic. */
export class InvalidClient extends OAuthError {
  constructor(description: string, usedBasic: boolean) {
    super('invalid_client', usedBasic ? 401 : 400, description);
    if (usedBasic) this.headers['WWW-Authenticate'] = 'Basic realm="ma-auth", charset="UTF-8"';
  }
}

/** Rate limits: 429 with Retry-After (seconds). `temporarily_unavailable` is the closest RFC 6749 code. */
export class RateLimited extends OAuthError {
  constructor(readonly retryAfterSeconds: number) {
    super('temporarily_unavailable', 429, 'too many requests; retry later');
    this.headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}
