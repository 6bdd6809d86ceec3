/**
 * Done when: `migrate` of a legacy dump, then a refresh with the legacy refresh
 * token at the REAL listener's /alexa/token by a third-party OAuth client
 * (oauth4webapi) succeeds — with the new secret printed for the published
 * default, or with the legacy secret when it was not the default. The listener
 * runs through the migration: no restart is needed.
 */
import * as oauth from 'oauth4webapi';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestInstall, type Install, type Listener, startListener } from '../support/install.js';
import {
  CLIENTS,
  CLIENTS_CUSTOM_SECRET,
  DEFAULT_SECRET,
  DUMP,
  legacyClients,
  legacyTokens,
} from './support/legacy.js';

const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

let listener: Listener | undefined;
afterEach(async () => {
  await listener?.stop();
  listener = undefined;
});

async function refresh(install: Install, secret: string, refreshToken: string) {
  const as: oauth.AuthorizationServer = {
    issuer: install.baseUrl,
    token_endpoint: `${install.baseUrl}/alexa/token`,
  };
  const client: oauth.Client = { client_id: 'amazon-alexa' };
  return oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, oauth.ClientSecretBasic(secret), refreshToken, INSECURE),
  );
}

describe('after ma-auth migrate, the legacy refresh token works at the real listener', () => {
  it('with the new secret that replaced the published default', async () => {
    const install = await createTestInstall();
    listener = await startListener(install);
    const run = await runCli(['migrate', '--from', DUMP, '--clients', CLIENTS, '--json'], install.env);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    const secret = report.clients.find((c: { id: string }) => c.id === 'amazon-alexa').newSecret as string;
    expect(secret).toMatch(/^maa_cs_/);

    const legacyRefresh = legacyTokens().test_user!.refresh_token;
    const tokens = await refresh(install, secret, legacyRefresh);
    expect(tokens.access_token).toMatch(/^maa_at_/);
    expect(tokens.refresh_token).toMatch(/^maa_rt_/);
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.scope).toBe('music.read music.control');
    // The rotated token works; the default secret does not.
    expect((await refresh(install, secret, tokens.refresh_token as string)).refresh_token).toMatch(
      /^maa_rt_/,
    );
    await expect(refresh(install, DEFAULT_SECRET, tokens.refresh_token as string)).rejects.toThrow();
    // A token of a client that was not migrated is refused as any unknown token is.
    const carol = legacyTokens().carol!.refresh_token;
    await expect(refresh(install, secret, carol)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('with the legacy secret when it was not the default (the Alexa console needs no change)', async () => {
    const install = await createTestInstall();
    listener = await startListener(install);
    const run = await runCli(['migrate', '--from', DUMP, '--clients', CLIENTS_CUSTOM_SECRET], install.env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('legacy secret kept');
    const legacySecret = legacyClients(CLIENTS_CUSTOM_SECRET)['amazon-alexa']!.client_secret!;
    const tokens = await refresh(install, legacySecret, legacyTokens()['kitchen-echo']!.refresh_token);
    expect(tokens.refresh_token).toMatch(/^maa_rt_/);
    // The secret init printed was replaced by the legacy one.
    await expect(
      refresh(install, install.alexa.clientSecret, tokens.refresh_token as string),
    ).rejects.toThrow();
  });
});
