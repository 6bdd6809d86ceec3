/**
 * DESIGN.md "Nothing secret in clear": after a full link, refresh and pairing,
 * none of the issued secrets, pairing codes, `state`, client address or user
 * agent appears anywhere in the store's bytes (database and WAL).
 */
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { authorize } from '../../src/oauth/authorize.js';
import { decideConsent } from '../../src/oauth/consent.js';
import { token } from '../../src/oauth/token.js';
import {
  authorizeParams,
  type Fixture,
  META,
  makeFixture,
  REDIRECT,
  refresh,
  startCliPairing,
} from './fixture.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await makeFixture();
});
afterEach(async () => {
  await fx.cleanup();
});

async function storeBytes(): Promise<string> {
  const parts = await Promise.all(
    ['', '-wal'].map((suffix) => readFile(fx.file + suffix).catch(() => Buffer.alloc(0))),
  );
  return Buffer.concat(parts).toString('latin1');
}

it('stores no issued secret, code, state or request metadata in clear', async () => {
  const state = 'state-7f3a9c-unique';
  const pairing = await startCliPairing(fx);
  const view = await authorize(authorizeParams({ state }), fx.deps, META);
  const outcome = await decideConsent(
    { requestId: view.requestId, csrfToken: view.csrfToken, action: 'approve', userCode: pairing.user_code },
    fx.deps,
    META,
  );
  if (outcome.kind !== 'redirect') throw new Error('expected a redirect');
  const code = new URL(outcome.location).searchParams.get('code') as string;
  const first = await token(
    {
      authorization: fx.alexaAuth(),
      body: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT },
    },
    fx.deps,
    META,
  );
  const second = await refresh(fx, first.refresh_token!);
  // A pending request that is still in the store (state and metadata sealed).
  const pendingView = await authorize(authorizeParams({ state }), fx.deps, META);

  const secrets = {
    accessToken: first.access_token,
    refreshToken: first.refresh_token!,
    rotatedAccess: second.access_token,
    rotatedRefresh: second.refresh_token!,
    code,
    deviceCode: pairing.device_code,
    userCode: pairing.user_code,
    userCodeBare: pairing.user_code.replace('-', ''),
    requestId: pendingView.requestId,
    csrf: pendingView.csrfToken,
    state,
    address: META.address!,
    userAgent: META.userAgent!,
    alexaSecret: fx.secrets.alexa,
    maSecret: fx.secrets.ma,
    cliSecret: fx.secrets.cli,
    ownerName: 'Pat',
  };
  const bytes = await storeBytes();
  expect(bytes.length).toBeGreaterThan(10_000);
  // The control: what is meant to be in clear is found, so the search works.
  expect(bytes).toContain(REDIRECT);
  for (const [name, value] of Object.entries(secrets)) {
    expect(bytes.includes(value), `${name} found in clear in the store`).toBe(false);
    // Nor, for the prefixed ones, their random part.
    const random = value.replace(/^maa_[a-z]+_/, '');
    if (random !== value) expect(bytes.includes(random), `${name} (random part) found in clear`).toBe(false);
  }
});
