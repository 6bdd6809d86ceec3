/**
 * A real install for protocol tests: a SQLite file in a temp dir, a real data
 * key, the built-in clients plus test device clients, and a clock the test advances.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { sha256Hex } from '../../src/crypto/hash.js';
import { randomToken } from '../../src/crypto/random-token.js';
import { generateDataKey } from '../../src/keys/data-key.js';
import { authorize } from '../../src/oauth/authorize.js';
import {
  alexaClient,
  CLI_CLIENT_ID,
  cliClient,
  cliClientSecret,
  GRANT_TYPES,
  musicAssistantClient,
} from '../../src/oauth/builtin-clients.js';
import type { ClientRequest } from '../../src/oauth/client-auth.js';
import { decideConsent } from '../../src/oauth/consent.js';
import type { OAuthDeps, RequestMeta } from '../../src/oauth/context.js';
import { decideDeviceAuthorization } from '../../src/oauth/device-approval.js';
import { deviceAuthorization } from '../../src/oauth/device-authorization.js';
import { s256 } from '../../src/oauth/pkce.js';
import { token } from '../../src/oauth/token.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { NewClient } from '../../src/store/types.js';

export const ALEXA_ID = 'amazon-alexa';
export const ALEXA_PKCE_ID = 'alexa-pkce';
export const DEVICE_ID = 'kitchen-speaker';
export const PUBLIC_DEVICE_ID = 'public-speaker';
export const REDIRECT = 'https://pitangui.amazon.com/api/skill/link/M2ABCDEF';
export const REDIRECT_2 = 'https://layla.amazon.com/api/skill/link/M2ABCDEF';
export const PUBLIC_URL = 'https://ma.example.com';
export const META: RequestMeta = { address: '203.0.113.7', userAgent: 'TestAgent/1.0' };
export const START = Date.UTC(2025, 0, 1, 12, 0, 0);
export const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

function deviceClient(id: string, type: 'confidential' | 'public', secretHash: string | null): NewClient {
  return {
    id,
    name: `Device ${id}`,
    role: 'device',
    type,
    secretHash,
    redirectUris: [],
    grantTypes: [GRANT_TYPES.deviceCode, GRANT_TYPES.refreshToken],
    scopes: ['music.read', 'music.control'],
    requirePkce: false,
  };
}

export interface Fixture {
  readonly dir: string;
  readonly file: string;
  readonly store: SqliteStore;
  readonly deps: OAuthDeps;
  readonly secrets: { alexa: string; alexaPkce: string; ma: string; device: string; cli: string };
  advance(ms: number): void;
  now(): number;
  alexaAuth(): ClientRequest['authorization'];
  cleanup(): Promise<void>;
}

export async function makeFixture(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'ma-auth-oauth-'));
  const file = join(dir, 'store.db');
  const key = generateDataKey();
  const store = await SqliteStore.open({ file, key, create: true });
  let t = START;
  const secrets = {
    alexa: randomToken('clientSecret'),
    alexaPkce: randomToken('clientSecret'),
    ma: randomToken('clientSecret'),
    device: randomToken('clientSecret'),
    cli: cliClientSecret(key),
  };
  await store.initialise({
    owner: { id: 'owner-1', name: 'Pat' },
    clients: [
      alexaClient(ALEXA_ID, [REDIRECT, REDIRECT_2], sha256Hex(secrets.alexa)),
      { ...alexaClient(ALEXA_PKCE_ID, [REDIRECT], sha256Hex(secrets.alexaPkce)), requirePkce: true },
      cliClient(),
      musicAssistantClient(sha256Hex(secrets.ma)),
      deviceClient(DEVICE_ID, 'confidential', sha256Hex(secrets.device)),
      deviceClient(PUBLIC_DEVICE_ID, 'public', null),
    ],
    now: t,
  });
  const deps: OAuthDeps = {
    store,
    key,
    now: () => t,
    settings: { publicUrl: PUBLIC_URL, accessTokenTtl: 3600, refreshIdleTtl: 180 * 24 * 3600 },
  };
  return {
    dir,
    file,
    store,
    deps,
    secrets,
    advance: (ms) => {
      t += ms;
    },
    now: () => t,
    alexaAuth: () => basic(ALEXA_ID, secrets.alexa),
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function basic(id: string, secret: string): string {
  const enc = (v: string) => encodeURIComponent(v);
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

/** `ma-auth link`: the CLI's device authorization. */
export async function startCliPairing(fx: Fixture) {
  return deviceAuthorization(
    { body: { client_id: CLI_CLIENT_ID, client_secret: fx.secrets.cli } },
    fx.deps,
    META,
  );
}

export function authorizeParams(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: ALEXA_ID,
    redirect_uri: REDIRECT,
    state: 'xyz state/with?odd&chars=1',
    scope: 'music.read music.control',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Authorize + consent with a fresh CLI pairing; returns the code from the redirect. */
export async function linkAlexa(
  fx: Fixture,
  options: { pkce?: boolean; clientId?: string } = {},
): Promise<{ code: string; location: URL; pairing: Awaited<ReturnType<typeof startCliPairing>> }> {
  const pairing = await startCliPairing(fx);
  const view = await authorize(
    authorizeParams({
      client_id: options.clientId ?? ALEXA_ID,
      ...(options.pkce ? { code_challenge: s256(VERIFIER), code_challenge_method: 'S256' } : {}),
    }),
    fx.deps,
    META,
  );
  const outcome = await decideConsent(
    { requestId: view.requestId, csrfToken: view.csrfToken, action: 'approve', userCode: pairing.user_code },
    fx.deps,
    META,
  );
  if (outcome.kind !== 'redirect') throw new Error(`expected a redirect, got ${outcome.kind}`);
  const location = new URL(outcome.location);
  return { code: location.searchParams.get('code') as string, location, pairing };
}

/** A linked Alexa: code exchanged for tokens. */
export async function alexaTokens(fx: Fixture) {
  const { code } = await linkAlexa(fx);
  return token(
    {
      authorization: fx.alexaAuth(),
      body: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT },
    },
    fx.deps,
    META,
  );
}

export function refresh(fx: Fixture, refreshToken: string, extra: Record<string, string> = {}) {
  return token(
    {
      authorization: fx.alexaAuth(),
      body: { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra },
    },
    fx.deps,
    META,
  );
}

/** The OAuth error a promise rejects with, or fails the test. */
export async function rejection<T extends Error = Error>(promise: Promise<unknown>): Promise<T> {
  try {
    await promise;
  } catch (err) {
    return err as T;
  }
  throw new Error('expected the promise to reject');
}

/** A third-party device paired through `ma-auth approve`: device authorization, approval, poll. */
export async function deviceTokens(fx: Fixture, clientId: string, secret?: string) {
  const auth: Record<string, string> = secret
    ? { client_id: clientId, client_secret: secret }
    : { client_id: clientId };
  const started = await deviceAuthorization({ body: auth }, fx.deps, META);
  await decideDeviceAuthorization(fx.deps, { userCode: started.user_code, approve: true });
  return token(
    { body: { ...auth, grant_type: GRANT_TYPES.deviceCode, device_code: started.device_code } },
    fx.deps,
    META,
  );
}

/** Reads the store file directly, as an attacker with the file would. */
export function rawQuery(fx: Fixture, sql: string, ...args: (string | number)[]) {
  const db = new DatabaseSync(fx.file, { readOnly: true });
  try {
    return db.prepare(sql).all(...args) as Record<string, unknown>[];
  } finally {
    db.close();
  }
}
