/**
 * The device authorization grant (RFC 8628) as a third-party device meets it:
 * oauth4webapi's device authorization request and polling against the real
 * listener, the owner deciding with the real `ma-auth approve` on the host.
 * The approval and the denial run concurrently, so their poll intervals overlap.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestInstall, type Install, type Listener, startListener } from '../support/install.js';
import { addDeviceClient } from './support/device-client.js';
import { expectCleanLogs } from './support/expect.js';
import {
  discover,
  musicAssistant,
  OAuthClient,
  type oauth,
  oauthError,
  SCOPE,
  startPairing,
} from './support/oauth-peers.js';
import { closePeers } from './support/peer.js';
import { withDatabase } from './support/store.js';

let install: Install;
let listener: Listener;
let as: oauth.AuthorizationServer;

beforeAll(async () => {
  install = await createTestInstall();
  listener = await startListener(install);
  as = await discover(install);
});
afterAll(async () => {
  await closePeers();
  await listener?.stop();
  if (listener) expectCleanLogs(listener.logs());
});

const approve = (code: string, ...flags: string[]) => runCli(['approve', code, ...flags], install.env);

/** The device starts, shows its code, and polls once before the owner decides. */
async function startDevice(device: OAuthClient) {
  const started = await device.deviceAuthorization();
  expect(started).toMatchObject({
    verification_uri: `${install.baseUrl}/link`,
    expires_in: 600,
    interval: 5,
  });
  expect(await oauthError(device.pollDeviceCode(started.device_code))).toEqual({
    status: 400,
    error: 'authorization_pending',
  });
  return { ...started, interval: started.interval as number };
}

describe.concurrent('a third-party device (RFC 8628)', () => {
  it('confidential, HTTP Basic: pending, approved with `ma-auth approve --yes`, tokens on the next poll', async () => {
    const creds = await addDeviceClient(install, 'kitchen-speaker', 'confidential');
    const device = new OAuthClient(as, creds.id, creds.secret, 'basic');
    const started = await startDevice(device);

    const decided = await approve(started.user_code.toLowerCase(), '--yes', '--json');
    expect(decided.code, decided.stderr).toBe(0);
    expect(JSON.parse(decided.stdout)).toMatchObject({
      event: 'approved',
      client_id: creds.id,
      scope: SCOPE,
      address: device.peer.address,
    });

    await sleep(started.interval * 1000);
    const issued = await device.pollDeviceCode(started.device_code);
    expect(issued.status).toBe(200);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect(issued.raw).toMatchObject({ token_type: 'Bearer', scope: SCOPE, expires_in: 3600 });
    expect(issued.raw.refresh_token).toMatch(/^maa_rt_/);
    expect(await musicAssistant(as, install).introspect(issued.tokens.access_token)).toMatchObject({
      active: true,
      client_id: creds.id,
      scope: SCOPE,
    });
    // The device code is spent.
    expect(await oauthError(device.pollDeviceCode(started.device_code))).toEqual({
      status: 400,
      error: 'invalid_grant',
    });

    // Device clients rotate strictly: the old refresh token dies on first use of it, and
    // presenting it again is reuse — the whole family goes (RFC 9700 §4.14.2).
    const first = issued.tokens.refresh_token as string;
    const rotated = await device.refresh(first);
    expect(rotated.raw.expires_in).toBe(3600);
    expect(await oauthError(device.refresh(first))).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await oauthError(device.refresh(rotated.tokens.refresh_token as string))).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
  });

  it('public (no secret): slow_down when polling too fast; denied with `ma-auth approve --deny`, access_denied on the next poll', async () => {
    const creds = await addDeviceClient(install, 'script', 'public');
    expect(creds.secret).toBeNull();
    const device = new OAuthClient(as, creds.id, null, 'none');
    const started = await startDevice(device);
    expect(new URLSearchParams(device.lastRequest().body).get('client_id')).toBe(creds.id);
    expect(device.lastRequest().headers.authorization).toBeUndefined();

    // Polling again at once is too fast: slow_down, and the interval grows by 5 s (RFC 8628 §3.5).
    expect(await oauthError(device.pollDeviceCode(started.device_code))).toEqual({
      status: 400,
      error: 'slow_down',
    });

    const decided = await approve(started.user_code, '--deny', '--json');
    expect(decided.code, decided.stderr).toBe(0);
    expect(JSON.parse(decided.stdout)).toMatchObject({ event: 'denied', client_id: creds.id });

    await sleep((started.interval + 5) * 1000);
    expect(await oauthError(device.pollDeviceCode(started.device_code))).toEqual({
      status: 400,
      error: 'access_denied',
    });
    // Decided once: approving afterwards is refused and changes nothing.
    const late = await approve(started.user_code, '--yes', '--json');
    expect(late.code).toBe(1);
  });

  it('`ma-auth approve` refuses an Alexa pairing code and unknown codes, and leaves the pairing pending', async () => {
    const pairing = await startPairing(as, install);
    const refused = await approve(pairing.user_code, '--yes');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Alexa app/);
    const status = withDatabase(install, (db) =>
      db
        .prepare("SELECT status FROM device_authorizations WHERE client_id = 'ma-auth-cli'")
        .all()
        .map((r) => r.status),
    );
    expect(status).toEqual(['pending']);
    expect((await approve('BCDF-GHJK', '--yes')).code).toBe(1);
    expect((await approve('not-a-code', '--yes')).code).toBe(2);
  });
});
