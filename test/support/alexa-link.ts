/**
 * Alexa account linking over plain HTTP against a real listener (createTestInstall
 * + startListener): what `ma-auth link`, the Alexa app and the Alexa cloud do,
 * step by step, so a test can observe each step's side effects (metrics, audit).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeKey } from '../../src/keys/data-key.js';
import { CLI_CLIENT_ID, cliClientSecret } from '../../src/oauth/builtin-clients.js';
import type { Install } from './install.js';

export const SCOPE = 'music.read music.control';

export interface JsonResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export async function postForm(
  install: Install,
  path: string,
  form: Record<string, string>,
  authorization?: string,
): Promise<Response> {
  return fetch(`${install.baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization ? { authorization } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });
}

async function json(res: Response): Promise<JsonResponse> {
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** `ma-auth link`'s first step: a pairing code, as the CLI client (its secret derives from the data key). */
export async function startPairing(install: Install): Promise<{ userCode: string; deviceCode: string }> {
  const key = decodeKey((await readFile(join(install.home, 'config', 'data.key'), 'utf8')).trim());
  const res = await json(
    await postForm(
      install,
      '/oauth/device_authorization',
      { scope: SCOPE },
      basic(CLI_CLIENT_ID, cliClientSecret(key)),
    ),
  );
  if (res.status !== 200) throw new Error(`device authorization failed: ${JSON.stringify(res)}`);
  return { userCode: res.body.user_code as string, deviceCode: res.body.device_code as string };
}

export interface ConsentForm {
  readonly requestId: string;
  readonly csrf: string;
}

/** The Alexa app opens the authorization URI; the consent page's hidden fields. */
export async function openConsent(install: Install, state: string): Promise<ConsentForm> {
  const query = new URLSearchParams({
    client_id: install.alexa.clientId,
    redirect_uri: install.alexa.redirectUri,
    response_type: 'code',
    scope: SCOPE,
    state,
  });
  const res = await fetch(`${install.baseUrl}/alexa/authorize?${query}`);
  const html = await res.text();
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  const requestId = field('request_id');
  const csrf = field('csrf');
  if (res.status !== 200 || !requestId || !csrf) throw new Error(`no consent page (${res.status}): ${html}`);
  return { requestId, csrf };
}

/** Approve (with a code) or deny on the consent page. */
export function submitConsent(
  install: Install,
  form: ConsentForm,
  action: 'approve' | 'deny',
  userCode = '',
): Promise<Response> {
  return postForm(install, '/alexa/approve', {
    request_id: form.requestId,
    csrf: form.csrf,
    action,
    user_code: userCode,
  });
}

export function alexaToken(
  install: Install,
  form: Record<string, string>,
  secret = install.alexa.clientSecret,
) {
  return postForm(install, '/alexa/token', form, basic(install.alexa.clientId, secret)).then(json);
}

export function refresh(install: Install, refreshToken: string): Promise<JsonResponse> {
  return alexaToken(install, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

export function introspect(install: Install, token: string): Promise<JsonResponse> {
  const { clientId, clientSecret } = install.musicAssistant;
  return postForm(install, '/oauth/introspect', { token }, basic(clientId, clientSecret)).then(json);
}

export interface Linked {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly userCode: string;
}

/**
 * The whole link: pairing code, consent page (after `wrongCodes` wrong
 * codes), redirect with `code`, code exchange.
 */
export async function linkAlexa(install: Install, options: { wrongCodes?: number } = {}): Promise<Linked> {
  const { userCode } = await startPairing(install);
  const form = await openConsent(install, 'xyzzy');
  for (let i = 0; i < (options.wrongCodes ?? 0); i++) {
    const wrong = await submitConsent(install, form, 'approve', 'BCDF-GHJK');
    if (wrong.status !== 200) throw new Error(`a wrong code answered ${wrong.status}`);
  }
  const approved = await submitConsent(install, form, 'approve', userCode);
  const location = approved.headers.get('location');
  const code = location ? new URL(location).searchParams.get('code') : null;
  if (approved.status !== 303 || !code) throw new Error(`approval failed (${approved.status})`);
  const tokens = await alexaToken(install, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: install.alexa.redirectUri,
  });
  if (tokens.status !== 200) throw new Error(`code exchange failed: ${JSON.stringify(tokens)}`);
  return {
    accessToken: tokens.body.access_token as string,
    refreshToken: tokens.body.refresh_token as string,
    userCode,
  };
}
