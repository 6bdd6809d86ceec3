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
 * The types are the core's own; the listener takes the core as a value so
 * tests can stand a stub in its place.
 */
import type { OAuthCore } from '../oauth/core.js';
import { ServerError } from '../oauth/errors.js';

export type { ClientRequest } from '../oauth/client-auth.js';
export type { ConsentDecision, ConsentOutcome } from '../oauth/consent.js';
export type { ConsentView } from '../oauth/consent-view.js';
export type { Params } from '../oauth/params.js';
export type { RequestMeta } from '../store/records/pairing.js';

/** What the endpoints call: the core without its maintenance entry points. */
export type Protocol = Omit<OAuthCore, 'sweep'>;

const notWired = (name: string) => async (): Promise<never> => {
  throw new ServerError(`the ${name} endpoint is not wired to a protocol core`);
};

/** A protocol whose every call is a server error: the base that test stubs override. */
export const unwiredProtocol: Protocol = {
  authorize: notWired('authorize'),
  decideConsent: notWired('approve'),
  token: notWired('token'),
  deviceAuthorization: notWired('device authorization'),
  introspect: notWired('introspection'),
  revoke: notWired('revocation'),
};
