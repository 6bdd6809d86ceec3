import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_CLIENT_ID, GRANT_TYPES, MUSIC_ASSISTANT_CLIENT_ID } from '../../src/oauth/builtin-clients.js';
import {
  type DeviceApprovalError,
  decideDeviceAuthorization,
  findDeviceAuthorization,
} from '../../src/oauth/device-approval.js';
import { deviceAuthorization } from '../../src/oauth/device-authorization.js';
import { OAuthError } from '../../src/oauth/errors.js';
import { introspect } from '../../src/oauth/introspect.js';
import { revoke } from '../../src/oauth/revoke.js';
import { token } from '../../src/oauth/token.js';
import {
  ALEXA_ID,
  basic,
  DEVICE_ID,
  type Fixture,
  linkAlexa,
  META,
  makeFixture,
  PUBLIC_URL,
  rejection,
  startCliPairing,
} from './fixture.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await makeFixture();
});
afterEach(async () => {
  await fx.cleanup();
});

const deviceAuth = () => ({ client_id: DEVICE_ID, client_secret: fx.secrets.device });
const cliAuth = () => ({ client_id: CLI_CLIENT_ID, client_secret: fx.secrets.cli });

function startDevice(extra: Record<string, string> = {}) {
  return deviceAuthorization({ body: { ...deviceAuth(), ...extra } }, fx.deps, META);
}

function poll(deviceCode: string, auth: Record<string, string> = deviceAuth()) {
  return token(
    { body: { ...auth, grant_type: GRANT_TYPES.deviceCode, device_code: deviceCode } },
    fx.deps,
    META,
  );
}

async function pollError(deviceCode: string, auth?: Record<string, string>) {
  const err = await rejection<OAuthError>(poll(deviceCode, auth));
  expect(err).toBeInstanceOf(OAuthError);
  return err.code;
}

describe('device authorization endpoint (RFC 8628 §3.1-3.2)', () => {
  it('returns the RFC 8628 fields', async () => {
    const res = await startDevice();
    expect(res.device_code).toMatch(/^maa_dc_/);
    expect(res.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(res.verification_uri).toBe(`${PUBLIC_URL}/link`);
    expect(res.verification_uri_complete).toBe(`${PUBLIC_URL}/link?code=${res.user_code}`);
    expect(res.expires_in).toBe(600);
    expect(res.interval).toBe(5);
  });

  it('is only for device and CLI clients', async () => {
    for (const authorization of [
      basic(ALEXA_ID, fx.secrets.alexa),
      basic(MUSIC_ASSISTANT_CLIENT_ID, fx.secrets.ma),
    ]) {
      const err = await rejection<OAuthError>(
        deviceAuthorization({ authorization, body: {} }, fx.deps, META),
      );
      expect(err.code).toBe('unauthorized_client');
    }
  });

  it('requires client authentication', async () => {
    const err = await rejection<OAuthError>(
      deviceAuthorization({ body: { client_id: DEVICE_ID, client_secret: 'wrong' } }, fx.deps, META),
    );
    expect(err.code).toBe('invalid_client');
  });

  it('accepts a narrower scope and refuses an unknown one', async () => {
    const narrow = await startDevice({ scope: 'music.read' });
    const view = await findDeviceAuthorization(fx.deps, narrow.user_code);
    expect(view.scopes.map((s) => s.name)).toEqual(['music.read']);
    const err = await rejection<OAuthError>(startDevice({ scope: 'admin' }));
    expect(err.code).toBe('invalid_scope');
  });
});

describe('device code polling (RFC 8628 §3.4-3.5)', () => {
  it('answers authorization_pending while the owner has not decided', async () => {
    const { device_code } = await startDevice();
    expect(await pollError(device_code)).toBe('authorization_pending');
    fx.advance(5_000);
    expect(await pollError(device_code)).toBe('authorization_pending');
  });

  it('answers slow_down when polled faster than the interval, and raises the interval for good', async () => {
    const { device_code } = await startDevice();
    expect(await pollError(device_code)).toBe('authorization_pending');
    fx.advance(2_000);
    expect(await pollError(device_code)).toBe('slow_down');
    fx.advance(6_000); // the interval is now 10 s
    expect(await pollError(device_code)).toBe('slow_down');
    fx.advance(15_000); // now 15 s
    expect(await pollError(device_code)).toBe('authorization_pending');
  });

  it('issues tokens once after approval', async () => {
    const { device_code, user_code } = await startDevice();
    const view = await decideDeviceAuthorization(fx.deps, { userCode: user_code, approve: true });
    expect(view.status).toBe('approved');
    const res = await poll(device_code);
    expect(res).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'music.read music.control' });
    expect(res.refresh_token).toMatch(/^maa_rt_/);
    expect(await pollError(device_code)).toBe('invalid_grant');
  });

  it('answers access_denied after the owner denied', async () => {
    const { device_code, user_code } = await startDevice();
    await decideDeviceAuthorization(fx.deps, { userCode: user_code, approve: false });
    expect(await pollError(device_code)).toBe('access_denied');
    expect((await fx.store.listAudit({ kinds: ['device_denied'] })).length).toBe(1);
  });

  it('answers expired_token after expires_in', async () => {
    const { device_code, user_code } = await startDevice();
    fx.advance(600_000);
    expect(await pollError(device_code)).toBe('expired_token');
    const err = await rejection<DeviceApprovalError>(
      decideDeviceAuthorization(fx.deps, { userCode: user_code, approve: true }),
    );
    expect(err.code).toBe('expired');
  });

  it("refuses another client's device code and unknown codes", async () => {
    const { device_code } = await startDevice();
    expect(await pollError(device_code, cliAuth())).toBe('invalid_grant');
    expect(await pollError('maa_dc_unknown')).toBe('invalid_grant');
  });
});

describe('ma-auth approve (third-party devices)', () => {
  it('shows client, scopes, address and age', async () => {
    const { user_code } = await startDevice();
    fx.advance(30_000);
    const view = await findDeviceAuthorization(fx.deps, user_code.toLowerCase());
    expect(view).toMatchObject({
      client: { id: DEVICE_ID, name: `Device ${DEVICE_ID}` },
      address: META.address,
      userAgent: META.userAgent,
      ageMs: 30_000,
      expiresInMs: 570_000,
      status: 'pending',
    });
    expect(view.scopes[0]?.description).toBeTruthy();
  });

  it('refuses an `ma-auth link` code: those are entered in the Alexa app', async () => {
    const pairing = await startCliPairing(fx);
    const err = await rejection<DeviceApprovalError>(
      decideDeviceAuthorization(fx.deps, { userCode: pairing.user_code, approve: true }),
    );
    expect(err.code).toBe('alexa_pairing_code');
  });

  it('refuses malformed, unknown and already decided codes', async () => {
    const codeOf = async (userCode: string) =>
      (await rejection<DeviceApprovalError>(findDeviceAuthorization(fx.deps, userCode))).code;
    expect(await codeOf('nope')).toBe('malformed_code');
    expect(await codeOf('BBBB-BBBB')).toBe('not_found');
    const { user_code } = await startDevice();
    await decideDeviceAuthorization(fx.deps, { userCode: user_code, approve: true });
    expect(await codeOf(user_code)).toBe('already_decided');
  });
});

describe('the CLI pairing (DESIGN.md "Linking Alexa" step 7)', () => {
  it('reports what was linked, with a token good for nothing else', async () => {
    const { pairing } = await linkAlexa(fx);
    const linkedAt = fx.now();
    fx.advance(5_000);
    const res = await poll(pairing.device_code, cliAuth());
    expect(res).toMatchObject({
      token_type: 'Bearer',
      expires_in: 60,
      scope: 'music.read music.control',
      linked_client_id: ALEXA_ID,
      linked_at: Math.floor(linkedAt / 1000),
    });
    expect(res.refresh_token).toBeUndefined();
    const info = await introspect(
      { authorization: basic(MUSIC_ASSISTANT_CLIENT_ID, fx.secrets.ma), body: { token: res.access_token } },
      fx.deps,
      META,
    );
    expect(info).toMatchObject({ active: true, scope: 'link:status', client_id: CLI_CLIENT_ID });
    fx.advance(60_000);
    const later = await introspect(
      { authorization: basic(MUSIC_ASSISTANT_CLIENT_ID, fx.secrets.ma), body: { token: res.access_token } },
      fx.deps,
      META,
    );
    expect(later).toEqual({ active: false });
    expect(await pollError(pairing.device_code, cliAuth())).toBe('invalid_grant');
  });

  it('is pending until the Alexa app uses the code', async () => {
    const pairing = await startCliPairing(fx);
    expect(await pollError(pairing.device_code, cliAuth())).toBe('authorization_pending');
  });

  it('is cancelled by revoking the device code (Ctrl-C)', async () => {
    const pairing = await startCliPairing(fx);
    await revoke({ body: { ...cliAuth(), token: pairing.device_code } }, fx.deps, META);
    expect(await pollError(pairing.device_code, cliAuth())).toBe('invalid_grant');
    expect((await fx.store.counts(fx.now())).pendingPairings).toBe(0);
  });

  it('cannot be cancelled by another client', async () => {
    const pairing = await startCliPairing(fx);
    await revoke({ body: { ...deviceAuth(), token: pairing.device_code } }, fx.deps, META);
    expect(await pollError(pairing.device_code, cliAuth())).toBe('authorization_pending');
  });
});
