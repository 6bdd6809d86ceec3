/**
 * The listener's real peers, driven by a third-party OAuth client library
 * (oauth4webapi) over real HTTP on loopback:
 *
 * - Alexa: discovery, authorization URL, the consent page (as the Alexa app's
 *   browser), the code exchange and refresh as a confidential client with
 *   `client_secret_basic` or `client_secret_post`, revocation;
 * - `ma-auth link`'s half of pairing (device authorization as `ma-auth-cli`);
 * - Music Assistant introspecting tokens;
 * - a third-party device client (RFC 8628).
 *
 * Every request the library sends is recorded, so a test can check what
 * actually went over the wire (which client authentication, which parameters).
 */

import * as oauth from 'oauth4webapi';
import { expect } from 'vitest';
import { ALEXA_SCOPES } from '../../../src/oauth/scopes.js';
import type { Install } from '../../support/install.js';
import { newPeer, type Peer, postForm, type RawResponse, send } from './peer.js';
import { cliSecret } from './store.js';

export const SCOPE = ALEXA_SCOPES.join(' ');

export interface RecordedRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type AuthMethod = 'basic' | 'post' | 'none';

/** A token endpoint answer: the headers and raw JSON as sent, and what the library made of it. */
export interface TokenResult {
  readonly status: number;
  readonly headers: Headers;
  readonly raw: Record<string, unknown>;
  readonly tokens: oauth.TokenEndpointResponse;
}

/** One OAuth client (id, secret, auth method) speaking through oauth4webapi from its own address. */
export class OAuthClient {
  readonly requests: RecordedRequest[] = [];
  readonly client: oauth.Client;
  readonly auth: oauth.ClientAuth;

  constructor(
    readonly as: oauth.AuthorizationServer,
    clientId: string,
    secret: string | null,
    method: AuthMethod,
    readonly peer: Peer = newPeer(),
  ) {
    this.client = { client_id: clientId };
    this.auth =
      method === 'basic'
        ? oauth.ClientSecretBasic(secret ?? '')
        : method === 'post'
          ? oauth.ClientSecretPost(secret ?? '')
          : oauth.None();
  }

  /** Options every oauth4webapi call gets: http on loopback allowed, requests recorded. */
  get options() {
    return {
      [oauth.allowInsecureRequests]: true,
      [oauth.customFetch]: async (url: string, init: oauth.CustomFetchOptions<string, unknown>) => {
        this.requests.push({
          url,
          method: init.method,
          headers: { ...init.headers },
          body: init.body === undefined ? '' : String(init.body),
        });
        return this.peer.fetch(url, init as RequestInit);
      },
    };
  }

  lastRequest(): RecordedRequest {
    const last = this.requests.at(-1);
    if (!last) throw new Error('no request recorded');
    return last;
  }

  async token(request: Promise<Response>): Promise<TokenResult> {
    const res = await request;
    const raw = (await res.clone().json()) as Record<string, unknown>;
    const tokens = await oauth.processGenericTokenEndpointResponse(this.as, this.client, res);
    return { status: res.status, headers: res.headers, raw, tokens };
  }

  refresh(refreshToken: string): Promise<TokenResult> {
    return this.token(
      oauth.refreshTokenGrantRequest(this.as, this.client, this.auth, refreshToken, this.options),
    );
  }

  async revoke(token: string): Promise<void> {
    const res = await oauth.revocationRequest(this.as, this.client, this.auth, token, this.options);
    await oauth.processRevocationResponse(res);
  }

  async introspect(token: string): Promise<oauth.IntrospectionResponse> {
    const res = await oauth.introspectionRequest(this.as, this.client, this.auth, token, this.options);
    expect(res.headers.get('cache-control')).toBe('no-store');
    return oauth.processIntrospectionResponse(this.as, this.client, res);
  }

  async deviceAuthorization(scope = SCOPE): Promise<oauth.DeviceAuthorizationResponse> {
    const res = await oauth.deviceAuthorizationRequest(
      this.as,
      this.client,
      this.auth,
      { scope },
      this.options,
    );
    return oauth.processDeviceAuthorizationResponse(this.as, this.client, res);
  }

  pollDeviceCode(deviceCode: string): Promise<TokenResult> {
    return this.token(
      oauth.deviceCodeGrantRequest(this.as, this.client, this.auth, deviceCode, this.options),
    );
  }
}

/** RFC 8414 discovery at `/.well-known/oauth-authorization-server` (http allowed: loopback). */
export async function discover(install: Install, peer: Peer = newPeer()): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(install.baseUrl);
  const res = await oauth.discoveryRequest(issuer, {
    algorithm: 'oauth2',
    [oauth.allowInsecureRequests]: true,
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<'GET'>) =>
      peer.fetch(url, init as RequestInit),
  });
  return oauth.processDiscoveryResponse(issuer, res);
}

/** The hidden and visible fields of the consent form, as the browser would post them. */
export interface ConsentForm {
  readonly action: string;
  readonly requestId: string;
  readonly csrf: string;
  /** The pairing-code field's pre-filled value. */
  readonly userCode: string;
  readonly response: RawResponse;
}

export function parseConsentPage(response: RawResponse, baseUrl: string): ConsentForm {
  const { text } = response;
  const attr = (name: string) => {
    const input = new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`).exec(text)?.[0];
    if (!input) throw new Error(`no field ${name} on the page:\n${text}`);
    return /\bvalue="([^"]*)"/.exec(input)?.[1] ?? '';
  };
  const action = /<form[^>]*\baction="([^"]+)"/.exec(text)?.[1];
  if (!action) throw new Error(`no form on the page:\n${text}`);
  return {
    action: new URL(action.replace(/&amp;/g, '&'), baseUrl).toString(),
    requestId: attr('request_id'),
    csrf: attr('csrf'),
    userCode: attr('user_code'),
    response,
  };
}

/** The Alexa skill: a confidential client, and the Alexa app's browser for the consent page. */
export class AlexaClient extends OAuthClient {
  constructor(
    as: oauth.AuthorizationServer,
    readonly install: Install,
    method: 'basic' | 'post',
    peer?: Peer,
  ) {
    super(as, install.alexa.clientId, install.alexa.clientSecret, method, peer);
  }

  authorizationUrl(params: Record<string, string | undefined>): URL {
    const url = new URL(this.as.authorization_endpoint as string);
    const all: Record<string, string | undefined> = {
      client_id: this.client.client_id,
      response_type: 'code',
      redirect_uri: this.install.alexa.redirectUri,
      scope: SCOPE,
      ...params,
    };
    for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
    return url;
  }

  /** GET the authorization URL as the Alexa app's browser does; expects the consent page. */
  async openConsent(url: URL, headers: Record<string, string> = {}): Promise<ConsentForm> {
    const res = await send(this.peer, url, { headers });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    return parseConsentPage(res, this.install.baseUrl);
  }

  /** Submit the consent form. */
  submitConsent(
    form: ConsentForm,
    fields: { userCode?: string; action?: 'approve' | 'deny'; csrf?: string; requestId?: string },
  ): Promise<RawResponse> {
    return postForm(this.peer, form.action, [
      ['request_id', fields.requestId ?? form.requestId],
      ['csrf', fields.csrf ?? form.csrf],
      ['user_code', fields.userCode ?? form.userCode],
      ['action', fields.action ?? 'approve'],
    ]);
  }

  exchangeCode(callback: URLSearchParams, verifier: string | typeof oauth.nopkce): Promise<TokenResult> {
    return this.token(
      oauth.authorizationCodeGrantRequest(
        this.as,
        this.client,
        this.auth,
        callback,
        this.install.alexa.redirectUri,
        verifier,
        this.options,
      ),
    );
  }
}

/** `ma-auth link`'s request for a pairing code, as the CLI client with its HKDF-derived secret. */
export async function startPairing(
  as: oauth.AuthorizationServer,
  install: Install,
  peer?: Peer,
): Promise<oauth.DeviceAuthorizationResponse> {
  const cli = new OAuthClient(as, 'ma-auth-cli', await cliSecret(install), 'basic', peer);
  return cli.deviceAuthorization();
}

export function musicAssistant(as: oauth.AuthorizationServer, install: Install, peer?: Peer): OAuthClient {
  return new OAuthClient(
    as,
    install.musicAssistant.clientId,
    install.musicAssistant.clientSecret,
    'basic',
    peer,
  );
}

export interface Linked {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly exchange: TokenResult;
}

/** An authorization code on its way back to Alexa, not yet exchanged. */
export interface Approved {
  readonly state: string;
  /** The PKCE verifier, or null when no challenge was sent. */
  readonly verifier: string | null;
  /** The redirect's query, validated (state checked) by the library. */
  readonly callback: URLSearchParams;
  readonly code: string;
}

/**
 * Authorize → consent page → pairing code → approve → 303 to Alexa, the
 * state checked by the library. The code is not exchanged.
 */
export async function authorizeAndApprove(
  alexa: AlexaClient,
  options: { pkce?: boolean; pairingCode?: string; typed?: (code: string) => string } = {},
): Promise<Approved> {
  const state = oauth.generateRandomState();
  const verifier = options.pkce ? oauth.generateRandomCodeVerifier() : null;
  const url = alexa.authorizationUrl({
    state,
    ...(verifier
      ? { code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }
      : {}),
  });
  const form = await alexa.openConsent(url);
  const userCode = options.pairingCode ?? (await startPairing(alexa.as, alexa.install)).user_code;
  const approved = await alexa.submitConsent(form, {
    userCode: options.typed ? options.typed(userCode) : userCode,
  });
  expect(approved.status, approved.text).toBe(303);
  const callback = oauth.validateAuthResponse(
    alexa.as,
    alexa.client,
    new URL(approved.headers.get('location') as string),
    state,
  );
  return { state, verifier, callback, code: callback.get('code') as string };
}

/** The whole Alexa link, happy path: `authorizeAndApprove`, then the code exchange. */
export async function linkAlexa(
  alexa: AlexaClient,
  options: Parameters<typeof authorizeAndApprove>[1] = {},
): Promise<Linked> {
  const approved = await authorizeAndApprove(alexa, options);
  const exchange = await alexa.exchangeCode(approved.callback, approved.verifier ?? oauth.nopkce);
  const { access_token, refresh_token } = exchange.tokens;
  if (!refresh_token) throw new Error('no refresh token issued');
  return { accessToken: access_token, refreshToken: refresh_token, exchange };
}

/** The RFC 6749 §5.1 promises every token response keeps (Alexa breaks without `expires_in`). */
export function expectTokenResponse(result: TokenResult, scope = SCOPE): void {
  expect(result.status).toBe(200);
  expect(result.headers.get('cache-control')).toBe('no-store');
  expect(result.headers.get('pragma')).toBe('no-cache');
  expect(result.headers.get('content-type')).toMatch(/^application\/json/);
  expect(result.raw).toMatchObject({ token_type: 'Bearer', scope });
  expect(typeof result.raw.expires_in).toBe('number');
  expect(result.raw.expires_in as number).toBeGreaterThanOrEqual(360);
  expect(result.raw.access_token).toMatch(/^maa_at_/);
}

/** The library's refusal of an error response (RFC 6749 §5.2), as `{status, error}`. */
export async function oauthError(promise: Promise<unknown>): Promise<{ status: number; error: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError) return { status: err.status, error: err.error };
    if (err instanceof oauth.WWWAuthenticateChallengeError) {
      const body = (await err.response.json()) as { error: string };
      return { status: err.status, error: body.error };
    }
    throw err;
  }
  throw new Error('expected an OAuth error response, got success');
}

export { oauth };
