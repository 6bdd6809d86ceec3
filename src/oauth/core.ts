/**
 * The protocol core as one object, closed over its dependencies: what the
 * listener's `Protocol` seam (src/server/protocol.ts) expects, one function per
 * endpoint. No HTTP types: parameters in, plain data out, or a thrown
 * OAuthError / AuthorizationPageError / AuthorizationRedirectError.
 */
import { type AuthorizeOptions, authorize } from './authorize.js';
import type { ClientRequest } from './client-auth.js';
import { type ConsentDecision, decideConsent } from './consent.js';
import type { OAuthDeps, RequestMeta } from './context.js';
import { deviceAuthorization } from './device-authorization.js';
import { introspect } from './introspect.js';
import type { Params } from './params.js';
import { revoke } from './revoke.js';
import { sweep } from './sweep.js';
import { token } from './token.js';

export function oauthCore(deps: OAuthDeps) {
  return {
    authorize: (params: Params, meta: RequestMeta, options?: AuthorizeOptions) =>
      authorize(params, deps, meta, options),
    decideConsent: (decision: ConsentDecision, meta: RequestMeta) => decideConsent(decision, deps, meta),
    token: (request: ClientRequest, meta: RequestMeta) => token(request, deps, meta),
    deviceAuthorization: (request: ClientRequest, meta: RequestMeta) =>
      deviceAuthorization(request, deps, meta),
    introspect: (request: ClientRequest, meta: RequestMeta) => introspect(request, deps, meta),
    revoke: (request: ClientRequest, meta: RequestMeta) => revoke(request, deps, meta),
    /** Run periodically (e.g. every 10 minutes) and at start-up. */
    sweep: () => sweep(deps),
  };
}

export type OAuthCore = ReturnType<typeof oauthCore>;
