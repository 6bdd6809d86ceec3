import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_CLIENT_ID, MUSIC_ASSISTANT_CLIENT_ID } from '../../src/oauth/builtin-clients.js';
import { authenticateClient } from '../../src/oauth/client-auth.js';
import { OAuthError } from '../../src/oauth/errors.js';
import {
  ALEXA_ID,
  basic,
  DEVICE_ID,
  type Fixture,
  META,
  makeFixture,
  PUBLIC_DEVICE_ID,
  rejection,
} from './fixture.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await makeFixture();
});
afterEach(async () => {
  await fx.cleanup();
});

describe('client authentication (RFC 6749 §2.3)', () => {
  it('accepts HTTP Basic', async () => {
    const { client, method } = await authenticateClient(
      { authorization: basic(ALEXA_ID, fx.secrets.alexa), body: {} },
      fx.deps,
      META,
    );
    expect(client.id).toBe(ALEXA_ID);
    expect(method).toBe('client_secret_basic');
  });

  it('form-decodes id and secret inside Basic (RFC 6749 §2.3.1)', async () => {
    const alexa = (await fx.store.getClient(ALEXA_ID))!;
    await fx.store.addClient({ ...alexa, id: 'odd id+%' }, fx.now());
    const formEncodedId = new URLSearchParams({ x: 'odd id+%' }).toString().slice(2); // odd+id%2B%25
    const header = `Basic ${Buffer.from(`${formEncodedId}:${fx.secrets.alexa}`).toString('base64')}`;
    const { client } = await authenticateClient({ authorization: header, body: {} }, fx.deps, META);
    expect(client.id).toBe('odd id+%');
  });

  it('accepts credentials in the body', async () => {
    const { client, method } = await authenticateClient(
      { body: { client_id: ALEXA_ID, client_secret: fx.secrets.alexa } },
      fx.deps,
      META,
    );
    expect(client.id).toBe(ALEXA_ID);
    expect(method).toBe('client_secret_post');
  });

  it('refuses Basic and a body secret together with invalid_request', async () => {
    const err = await rejection<OAuthError>(
      authenticateClient(
        { authorization: basic(ALEXA_ID, fx.secrets.alexa), body: { client_secret: fx.secrets.alexa } },
        fx.deps,
        META,
      ),
    );
    expect(err).toBeInstanceOf(OAuthError);
    expect(err.code).toBe('invalid_request');
  });

  it('refuses a body client_id that differs from Basic', async () => {
    const err = await rejection<OAuthError>(
      authenticateClient(
        { authorization: basic(ALEXA_ID, fx.secrets.alexa), body: { client_id: DEVICE_ID } },
        fx.deps,
        META,
      ),
    );
    expect(err.code).toBe('invalid_request');
  });

  it('answers a wrong Basic secret with 401 and WWW-Authenticate, and audits it', async () => {
    const err = await rejection<OAuthError>(
      authenticateClient({ authorization: basic(ALEXA_ID, 'maa_cs_wrong'), body: {} }, fx.deps, META),
    );
    expect(err.code).toBe('invalid_client');
    expect(err.status).toBe(401);
    expect(err.headers['WWW-Authenticate']).toMatch(/^Basic/);
    const [event] = await fx.store.listAudit({ kinds: ['client_auth_failed'] });
    expect(event?.severity).toBe('warning');
    expect(event?.clientId).toBe(ALEXA_ID);
    expect(event?.detail.address).toBe(META.address);
  });

  it('answers a wrong body secret with 400 invalid_client', async () => {
    const err = await rejection<OAuthError>(
      authenticateClient({ body: { client_id: ALEXA_ID, client_secret: 'nope' } }, fx.deps, META),
    );
    expect(err.code).toBe('invalid_client');
    expect(err.status).toBe(400);
    expect(err.headers['WWW-Authenticate']).toBeUndefined();
  });

  it('refuses an unknown client and a confidential client without a secret', async () => {
    const bodies: Record<string, string>[] = [
      { client_id: 'nobody', client_secret: 'x' },
      { client_id: ALEXA_ID },
      {},
    ];
    for (const body of bodies) {
      const err = await rejection<OAuthError>(authenticateClient({ body }, fx.deps, META));
      expect(err.code).toBe('invalid_client');
    }
    expect(await fx.store.listAudit({ kinds: ['client_auth_failed'] })).toHaveLength(3);
  });

  it('derives the CLI secret from the data key', async () => {
    const ok = await authenticateClient(
      { body: { client_id: CLI_CLIENT_ID, client_secret: fx.secrets.cli } },
      fx.deps,
      META,
    );
    expect(ok.client.id).toBe(CLI_CLIENT_ID);
    const err = await rejection<OAuthError>(
      authenticateClient(
        { body: { client_id: CLI_CLIENT_ID, client_secret: fx.secrets.alexa } },
        fx.deps,
        META,
      ),
    );
    expect(err.code).toBe('invalid_client');
  });

  it('lets a public client authenticate with its id only, and never with a secret', async () => {
    const ok = await authenticateClient({ body: { client_id: PUBLIC_DEVICE_ID } }, fx.deps, META);
    expect(ok.method).toBe('none');
    const err = await rejection<OAuthError>(
      authenticateClient({ body: { client_id: PUBLIC_DEVICE_ID, client_secret: 'guess' } }, fx.deps, META),
    );
    expect(err.code).toBe('invalid_client');
  });

  it('refuses malformed Basic credentials', async () => {
    const err = await rejection<OAuthError>(
      authenticateClient({ authorization: 'Basic !!!', body: {} }, fx.deps, META),
    );
    expect(err.code).toBe('invalid_client');
    expect(err.status).toBe(401);
  });

  it('ignores another Authorization scheme', async () => {
    const ok = await authenticateClient(
      {
        authorization: 'Bearer something',
        body: { client_id: MUSIC_ASSISTANT_CLIENT_ID, client_secret: fx.secrets.ma },
      },
      fx.deps,
      META,
    );
    expect(ok.client.id).toBe(MUSIC_ASSISTANT_CLIENT_ID);
  });
});
