/**
 * The seam between the listener and the OAuth protocol core (src/oauth).
 *
 * The endpoints do the HTTP part — parse, rate-limit, headers, render — and
 * call exactly one of these functions. The core knows no HTTP: it gets plain
 * parameters and returns plain data, or throws:
 *
 * - `OAuthError` (src/oauth/errors.ts) → RFC 6749 §5.2 JSON, or the error page on page routes;
 * - `AuthorizationPageError` → the error page (bad client or redirect URI,
 *   expired or forged consent form, too many wrong codes);
 * - `AuthorizationRedirectError` → a redirect to the verified redirect URI
 *   with `error` and `state`.
 *
 * The shapes below mirror the core's own types (ConsentView, ConsentDecision,
 * ConsentOutcome, ClientRequest, RequestMeta) so wiring is one line per
 * function, closing over the core's `OAuthDeps` (store, key, clock, settings):
 *
 *   authorize: (params, meta) => authorize(params, deps, meta)
 *
 * Until it is wired, `unwiredProtocol` answers `server_error`.
 */
import { ServerError } from '../oauth/errors.js';

/** Request parameters, each at most once (RFC 6749 §3.1), empty values dropped. */
export type Params = Readonly<Record<string, string>>;

/** Who is asking, for the core's audit trail and per-address pairing limits. */
export interface RequestMeta {
  /** See http/client-address.ts. */
  readonly address: string | null;
  readonly userAgent: string | null;
}

/** A client-authenticated request: credentials in the Basic header (`client_secret_basic`) or the body (`client_secret_post`). */
export interface ClientRequest {
  readonly authorization?: string | undefined;
  readonly body: Params;
}

/** What the consent page shows and posts back. */
export interface ConsentView {
  /** Handle of the pending request (hidden form field). */
  readonly requestId: string;
  /** CSRF token bound to the pending request (hidden form field). */
  readonly csrfToken: string;
  readonly client: { readonly id: string; readonly name: string };
  /** Scopes in plain words (the core's describeScopes, from SCOPE_DESCRIPTIONS). */
  readonly scopes: readonly { readonly name: string; readonly description: string }[];
  /** The verified redirect URI: the page names its host; its origin joins the CSP form-action. */
  readonly redirectUri: string;
  /** Wrong pairing codes the request can still take. */
  readonly attemptsLeft: number;
}

export interface ConsentDecision {
  readonly requestId: string;
  readonly csrfToken: string;
  readonly action: 'approve' | 'deny';
  /** As typed; the core normalises. */
  readonly userCode?: string | undefined;
}

export type ConsentOutcome =
  /** Back to the client: `code` + `state`, or `error=access_denied` + `state`. */
  | { readonly kind: 'redirect'; readonly location: string }
  /** The consent page again with a message; the request is still alive. */
  | { readonly kind: 'retry'; readonly problem: 'wrong_code' | 'malformed_code'; readonly view: ConsentView };

export interface Protocol {
  /**
   * GET /alexa/authorize: validate (client and redirect URI first), store the
   * pending request, return what the consent page shows.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
   */
  authorize(params: Params, meta: RequestMeta): Promise<ConsentView>;
  /** POST /alexa/approve: check the pending request, CSRF token and pairing code. */
  decideConsent(decision: ConsentDecision, meta: RequestMeta): Promise<ConsentOutcome>;
  /** POST /alexa/token: the RFC 6749 §5.1 token response (always with `expires_in`). */
  token(request: ClientRequest, meta: RequestMeta): Promise<object>;
  /** POST /oauth/device_authorization: the RFC 8628 §3.2 response. */
  deviceAuthorization(request: ClientRequest, meta: RequestMeta): Promise<object>;
  /** POST /oauth/introspect: the RFC 7662 §2.2 response. */
  introspect(request: ClientRequest, meta: RequestMeta): Promise<object>;
  /** POST /oauth/revoke: RFC 7009; unknown tokens are not an error. */
  revoke(request: ClientRequest, meta: RequestMeta): Promise<void>;
}

const notWired = (name: string) => async (): Promise<never> => {
  throw new ServerError(`the ${name} endpoint is not wired to the protocol core`);
};

/** TODO(integrator): pass the real core to startServer instead. */
export const unwiredProtocol: Protocol = {
  authorize: notWired('authorize'),
  decideConsent: notWired('approve'),
  token: notWired('token'),
  deviceAuthorization: notWired('device authorization'),
  introspect: notWired('introspection'),
  revoke: notWired('revocation'),
};
