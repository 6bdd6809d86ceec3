/**
 * Backups taken while a running listener writes (a steady stream of
 * refreshes, each a commit): every one is a consistent snapshot — it verifies
 * (authentication, SQLite integrity and foreign keys, every sealed value) —
 * and the listener does not notice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Install, Listener } from '../support/install.js';
import { startListener } from '../support/install.js';
import { cli, freshInstall, populate, removeInstall, steadyClient } from './support.js';

const BACKUPS = 4;

describe('backup while the listener writes', () => {
  let install: Install;
  let listener: Listener | undefined;
  beforeAll(async () => {
    install = await freshInstall();
  });
  afterAll(async () => {
    await listener?.stop();
    await removeInstall(install);
  });

  it(`${BACKUPS} backups during a steady stream of refreshes: each verifies, no request fails`, async () => {
    const population = await populate(install, 1);
    listener = await startListener(install);
    const client = steadyClient(install, population.alexa, { rotate: true, intervalMs: 20 });
    const files: string[] = [];
    for (let i = 0; i < BACKUPS; i++) {
      const r = await cli(install, ['backup', '--with-key', '--json']);
      expect(r.code, r.stderr).toBe(0);
      files.push(JSON.parse(r.stdout).file);
    }
    const result = await client.stop();
    expect(result.failures).toEqual([]);
    const tokens: number[] = [];
    for (const file of files) {
      const v = await cli(install, ['backup', '--verify', file, '--json']);
      expect(v.code, v.stderr).toBe(0);
      tokens.push(JSON.parse(v.stdout).counts.tables.tokens);
    }
    // The store moved on between the snapshots (each refresh adds tokens).
    expect(new Set(tokens).size).toBeGreaterThan(1);
  }, 60_000);
});
