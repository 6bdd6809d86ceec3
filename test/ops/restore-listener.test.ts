/**
 * A running listener (`ma-auth serve`, a child process) under a steady stream
 * of refreshes and introspections while `ma-auth restore` (and --rollback)
 * swap the store beside it: not one request fails, and the listener serves
 * the restored content at once, without a restart.
 *
 * The client presents a refresh token that is valid both in the backup and
 * in the live store (the head of its family, presented again — a client that
 * does not store rotations, DESIGN.md "Refresh"): a restore goes back in
 * time, so a token issued after the backup is rightly unknown afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { token } from '../../src/oauth/token.js';
import type { Install, Listener } from '../support/install.js';
import { startListener } from '../support/install.js';
import {
  basic,
  cli,
  freshInstall,
  META,
  populate,
  removeInstall,
  steadyClient,
  withStore,
} from './support.js';

const RESTORES = 3;

describe('a running listener through restore', () => {
  let install: Install;
  let listener: Listener | undefined;
  beforeAll(async () => {
    install = await freshInstall();
  });
  afterAll(async () => {
    await listener?.stop();
    await removeInstall(install);
  });

  it(`serves a steady stream of refreshes through ${RESTORES} restores and a rollback with zero failed requests`, async () => {
    const population = await populate(install, 1);
    // Present the current refresh token once: it becomes the family's head.
    const head = await withStore(install, (_s, deps) =>
      token(
        {
          authorization: basic(install.alexa.clientId, install.alexa.clientSecret),
          body: { grant_type: 'refresh_token', refresh_token: population.alexa.refreshToken },
        },
        deps,
        META,
      ),
    );
    const r0 = await cli(install, ['backup', '--with-key', '--json']);
    expect(r0.code, r0.stderr).toBe(0);
    const file = JSON.parse(r0.stdout).file as string;

    listener = await startListener(install);
    const client = steadyClient(
      install,
      { refreshToken: population.alexa.refreshToken, accessToken: head.access_token },
      { rotate: false },
    );
    await new Promise((r) => setTimeout(r, 300));
    const marks: number[] = [];
    for (let i = 0; i < RESTORES; i++) {
      const r = await cli(install, ['restore', file, '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      // The restored store is what the listener serves now: the refreshes since the
      // backup are gone, so the family holds the backup's tokens plus what came after the swap.
      marks.push(client.requests());
      await new Promise((r) => setTimeout(r, 300));
    }
    const back = await cli(install, ['restore', '--rollback', '--yes']);
    expect(back.code, back.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    const result = await client.stop();
    expect(result.failures).toEqual([]);
    expect(result.requests).toBeGreaterThan(60);
    expect(marks.every((m, i) => i === 0 || m > (marks[i - 1] as number))).toBe(true);
  }, 60_000);

  it('the listener sees the restored content without a restart', async () => {
    // A client added after a backup disappears from the running listener's view when the backup is restored.
    const r0 = await cli(install, ['backup', '--with-key', '--json']);
    const file = JSON.parse(r0.stdout).file as string;
    await withStore(install, (store) =>
      store.addClient(
        {
          id: 'late-device',
          name: 'Late device',
          role: 'device',
          type: 'public',
          secretHash: null,
          redirectUris: [],
          grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'],
          scopes: ['music.read'],
          requirePkce: false,
        },
        Date.now(),
      ),
    );
    const ask = () =>
      fetch(`${install.baseUrl}/oauth/device_authorization`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'client_id=late-device&scope=music.read',
      });
    expect((await ask()).status).toBe(200);
    expect((await cli(install, ['restore', file, '--yes'])).code).toBe(0);
    const after = await ask();
    expect(after.status).toBeGreaterThanOrEqual(400);
    expect(await after.json()).toMatchObject({ error: 'invalid_client' });
  });
});
