/**
 * A running listener (`ma-auth serve`, a child process) under a steady stream
 * of refreshes and introspections while `ma-auth rotate-key` runs beside it,
 * several times: not one request fails, and the listener ends up on the new
 * key (it noticed the store's key binding change and found the new key where
 * the rotation put it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Install, Listener } from '../support/install.js';
import { startListener } from '../support/install.js';
import {
  cli,
  countActive,
  envKeyInstall,
  freshInstall,
  installKey,
  populate,
  removeInstall,
  steadyClient,
} from './support.js';

const ROTATIONS = 3;

describe('a running listener through rotate-key', () => {
  let install: Install;
  let listener: Listener | undefined;
  beforeAll(async () => {
    install = await freshInstall();
  });
  afterAll(async () => {
    await listener?.stop();
    await removeInstall(install);
  });

  it(`serves a steady stream of refreshes through ${ROTATIONS} rotations with zero failed requests`, async () => {
    const population = await populate(install, 1);
    listener = await startListener(install);
    const client = steadyClient(install, population.alexa, { rotate: true });
    const keys: string[] = [(await installKey(install)).id];
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < ROTATIONS; i++) {
      const r = await cli(install, ['rotate-key', '--json']);
      expect(r.code, r.stderr).toBe(0);
      keys.push(JSON.parse(r.stdout).newKeyId);
      await new Promise((r) => setTimeout(r, 300));
    }
    const result = await client.stop();
    expect(result.failures).toEqual([]);
    expect(result.requests).toBeGreaterThan(40);
    expect((await installKey(install)).id).toBe(keys.at(-1));
    // The listener said it moved to each new key; what it wrote since is sealed with the last one.
    const adopted = listener
      .logs()
      .split('\n')
      .filter((l) => l.includes('data key rotated'))
      .map((l) => JSON.parse(l).key);
    expect(adopted).toEqual(keys.slice(1));
    expect(await countActive(install, population.activeTokens.slice(0, 1))).toBe(1);
  }, 60_000);

  it('with MA_AUTH_KEY: the listener finds the rotated key in the staged file, also after a restart with the old variable', async () => {
    const base = await freshInstall();
    const population = await populate(base, 1);
    const install = await envKeyInstall(base, 'MA_AUTH_KEY');
    await removeInstall(base);
    try {
      let running = await startListener(install);
      const client = steadyClient(install, population.alexa, { rotate: true });
      await new Promise((r) => setTimeout(r, 300));
      const r = await cli(install, ['rotate-key', '--json']);
      expect(r.code, r.stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 300));
      // A restart, MA_AUTH_KEY still the old key: the listener starts on the staged key.
      await running.stop();
      running = await startListener(install);
      await new Promise((r) => setTimeout(r, 300));
      const result = await client.stop();
      await running.stop();
      // Requests sent while the listener was down are not the listener's failures.
      const failures = result.failures.filter((f) => !f.startsWith('request failed'));
      expect(failures).toEqual([]);
      expect(running.logs()).toContain(`data.key.staged`);
      expect(JSON.parse(r.stdout).newKeyId).toMatch(/^k/);
    } finally {
      await removeInstall(install);
    }
  }, 60_000);
});
