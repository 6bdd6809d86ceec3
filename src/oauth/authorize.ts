/**
 * The authorization endpoint (GET /alexa/authorize): validate the request and
 * park it as a pending request for the consent page.
 *
 * Client and redirect URI are checked first; their errors are pages
 * (AuthorizationPageError). Everything after is reported to the client on its
 * redirect URI with `state` (AuthorizationRedirectError).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
import { sha256Hex } from '../crypto/hash.js';
import { randomToken } from '../crypto/random-token.js';
import type { ClientRecord } from '../store/types.js';
import { AuthorizationPageError, AuthorizationRedirectError } from './authorize-errors.js';
import { type ConsentView, consentView } from './consent-view.js';
import type { OAuthDeps, RequestMeta } from './context.js';
import { InvalidRequest, InvalidScope, type OAuthError, UnsupportedResponseType } from './errors.js';
import { emit } from './events.js';
import { type Params, param } from './params.js';
import { codeChallengeProblem, PKCE_METHOD } from './pkce.js';
import { MAX_PAIRING_ATTEMPTS_PER_REQUEST, PENDING_REQUEST_TTL_S } from './policy.js';
import { mayUseEndpoint } from './roles.js';
import { formatScope, resolveScope } from './scopes.js';

export interface AuthorizeOptions {
  /**
   * A HEAD request: validated and answered as a GET would be, but nothing is
   * stored. Its answer carries no page, so no request id could ever come back
   * in a consent form; a link checker or mail scanner that sends HEAD would
   * only leave pending requests behind.
   */
  readonly preview?: boolean;
}

export async function authorize(
  params: Params,
  deps: OAuthDeps,
  meta: RequestMeta,
  options: AuthorizeOptions = {},
): Promise<ConsentView> {
  const clientId = param(params, 'client_id');
  if (!clientId)
    throw new AuthorizationPageError('invalid_request', 'The request names no client (client_id).');
  const client = await deps.store.getClient(clientId);
  if (!client) throw new AuthorizationPageError('invalid_client', 'The request names an unknown client.');
  if (!mayUseEndpoint(client, 'authorize')) {
    throw new AuthorizationPageError('unauthorized_client', 'This client may not ask for account linking.');
  }
  const redirectUri = registeredRedirectUri(client, param(params, 'redirect_uri'));

  const state = param(params, 'state') ?? null;
  const refuse = (error: OAuthError) => new AuthorizationRedirectError(error, redirectUri, state);
  const responseType = param(params, 'response_type');
  if (!responseType) throw refuse(new InvalidRequest('response_type is missing'));
  if (responseType !== 'code')
    throw refuse(new UnsupportedResponseType('only response_type=code is supported'));
  const scopes = resolveScope(param(params, 'scope'), client.scopes);
  if (!scopes)
    throw refuse(new InvalidScope('the requested scope is unknown or not allowed for this client'));
  const challenge = param(params, 'code_challenge');
  const pkceProblem = codeChallengeProblem(challenge, param(params, 'code_challenge_method'));
  if (pkceProblem) throw refuse(new InvalidRequest(pkceProblem));
  if (client.requirePkce && !challenge) throw refuse(new InvalidRequest('this client must use PKCE (S256)'));

  const now = deps.now();
  const requestId = randomToken('requestId');
  const csrfToken = randomToken('csrf');
  const expiresAt = now + PENDING_REQUEST_TTL_S * 1000;
  const scope = formatScope(scopes);
  const view = consentView({
    requestId,
    csrfToken,
    client,
    scope,
    redirectUri,
    expiresAt,
    attemptsLeft: MAX_PAIRING_ATTEMPTS_PER_REQUEST,
  });
  if (options.preview) return view;
  await deps.store.createPendingRequest({
    idHash: sha256Hex(requestId),
    clientId: client.id,
    redirectUri,
    scope,
    state,
    codeChallenge: challenge ?? null,
    codeChallengeMethod: challenge ? PKCE_METHOD : null,
    csrfHash: sha256Hex(csrfToken),
    createdAt: now,
    expiresAt,
    meta,
  });
  emit(deps, { kind: 'authorization', outcome: 'started' });
  return view;
}

/**
 * Exact string match against the registered URIs (RFC 9700 §4.1.3): no prefix,
 * no normalisation. Omitted is allowed only when exactly one is registered.
 */
export function registeredRedirectUri(client: ClientRecord, given: string | undefined): string {
  if (given === undefined) {
    if (client.redirectUris.length === 1) return client.redirectUris[0] as string;
    throw new AuthorizationPageError(
      'invalid_redirect_uri',
      'The request has no redirect_uri and the client has several registered.',
    );
  }
  if (!client.redirectUris.includes(given)) {
    throw new AuthorizationPageError(
      'invalid_redirect_uri',
      'The redirect_uri is not one registered for this client. Compare the redirect URLs in the Alexa developer console with: ma-auth clients redirect-uris <client id>',
    );
  }
  return given;
}
