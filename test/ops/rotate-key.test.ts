/**
 * `ma-auth rotate-key` with every key source: the key file, MA_AUTH_KEY,
 * MA_AUTH_KEY_FILE and the OS keychain (a real Secret Service). After a
 * rotation every sealed value carries the new key id, the old key opens
 * nothing, every token still validates, and the key source and the store agree.
 */
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import { type DataKey, decodeKey, fingerprint } from '../../src/keys/data-key.js';
import { SEALED } from '../../src/store/sqlite/sealed-fields.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Install } from '../support/install.js';
import { BIN } from '../support/paths.js';
import { runWithSecretService, secretServiceGate } from '../support/secret-service.js';
import {
  afterKeyChange,
  cli,
  copyInstall,
  countActive,
  envKeyInstall,
  freshInstall,
  installKey,
  keyFile,
  keyIndependent,
  logicalDump,
  type Population,
  populate,
  removeInstall,
  stagedFile,
} from './support.js';

/** The key id of every sealed value in the store. */
function sealedKeyIds(file: string): Set<string> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const ids = new Set<string>();
    for (const f of Object.values(SEALED)) {
      const rows = db
        .prepare(`SELECT ${f.column} AS v FROM ${f.table} WHERE ${f.column} IS NOT NULL`)
        .all() as {
        v: string;
      }[];
      for (const r of rows) if (f.table !== 'meta' || /^v1\./.test(r.v)) ids.add(r.v.split('.')[1] as string);
    }
    return ids;
  } finally {
    db.close();
  }
}

async function opensWith(install: Install, key: DataKey): Promise<boolean> {
  try {
    const s = await SqliteStore.open({ file: install.storeFile, key });
    await s.close();
    return true;
  } catch {
    return false;
  }
}

describe('ma-auth rotate-key', () => {
  let base: Install;
  let population: Population;
  beforeAll(async () => {
    base = await freshInstall();
    population = await populate(base);
  });
  afterAll(async () => {
    await removeInstall(base);
  });

  it('key file: re-seals everything under a new key in the key file, prints both fingerprints, retires the old key', async () => {
    const install = await copyInstall(base);
    const oldKey = await installKey(install);
    const before = logicalDump(install.storeFile, oldKey);
    const r = await cli(install, ['rotate-key', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const newKey = await installKey(install);
    expect(newKey.id).not.toBe(oldKey.id);
    const dropped = afterKeyChange(before);
    expect(out).toMatchObject({
      event: 'rotated',
      oldKeyId: oldKey.id,
      oldFingerprint: fingerprint(oldKey),
      newKeyId: newKey.id,
      newFingerprint: fingerprint(newKey),
      keySource: `key file ${keyFile(install)}`,
      expiredPairings: dropped.pendingPairings,
      droppedAttemptCounters: dropped.attemptCounters,
    });
    expect(out.resealed).toBeGreaterThan(5);
    expect(existsSync(stagedFile(install))).toBe(false);
    expect((await stat(keyFile(install))).mode & 0o777).toBe(0o600);
    expect(sealedKeyIds(install.storeFile)).toEqual(new Set([newKey.id]));
    expect(keyIndependent(logicalDump(install.storeFile, newKey))).toEqual(keyIndependent(before));
    expect(await opensWith(install, oldKey)).toBe(false);
    expect(await countActive(install, population.activeTokens, newKey)).toBe(population.activeTokens.length);

    const text = await cli(install, ['rotate-key']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`old key  ${fingerprint(newKey)}  (retired)`);
    expect(text.stdout).toMatch(/new key {2}[0-9a-f]{4}(:[0-9a-f]{4}){3} {2}in key file/);
    const status = await cli(install, ['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).key.matchesStore).toBe(true);
    await removeInstall(install);
  });

  for (const how of ['MA_AUTH_KEY', 'MA_AUTH_KEY_FILE'] as const) {
    it(`${how}: the new key goes to a 0600 staged file, the owner is told what to change, ma-auth finds it until they do`, async () => {
      const install = await envKeyInstall(base, how);
      const oldKey = await installKey(base);
      const r = await cli(install, ['rotate-key']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`ACTION NEEDED: ${how} still holds the old key`);
      expect(r.stdout).toContain(stagedFile(install));
      expect(r.stdout).toContain(
        how === 'MA_AUTH_KEY' ? 'set MA_AUTH_KEY' : `replace the contents of ${install.env.MA_AUTH_KEY_FILE}`,
      );
      const staged = decodeKey(await readFile(stagedFile(install), 'utf8'));
      expect((await stat(stagedFile(install))).mode & 0o777).toBe(0o600);
      expect(staged.id).not.toBe(oldKey.id);
      expect(sealedKeyIds(install.storeFile)).toEqual(new Set([staged.id]));

      // The environment still has the old key: every command uses the staged one, and says why.
      const status = await cli(install, ['status', '--json']);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout).key).toMatchObject({
        fingerprint: fingerprint(staged),
        matchesStore: true,
      });
      expect(status.stderr).toContain(`the store is sealed with the rotated key ${fingerprint(staged)}`);
      expect(await countActive(install, population.activeTokens, staged)).toBe(
        population.activeTokens.length,
      );

      // A second rotation before the owner acted: the staged key is replaced, the message repeated.
      const again = await cli(install, ['rotate-key', '--json']);
      expect(again.code, again.stderr).toBe(0);
      const second = JSON.parse(again.stdout);
      expect(second).toMatchObject({ oldKeyId: staged.id, stagedKeyFile: stagedFile(install), update: how });
      const latest = decodeKey(await readFile(stagedFile(install), 'utf8'));
      expect(latest.id).toBe(second.newKeyId);

      // The owner does what they were told: the staged copy is retired, source and store agree.
      const text = (await readFile(stagedFile(install), 'utf8')).trim();
      const updated: Install =
        how === 'MA_AUTH_KEY' ? { ...install, env: { ...install.env, MA_AUTH_KEY: text } } : install;
      if (how === 'MA_AUTH_KEY_FILE') await writeFile(install.env.MA_AUTH_KEY_FILE as string, `${text}\n`);
      const settled = await cli(updated, ['status', '--json']);
      expect(settled.code, settled.stderr).toBe(0);
      expect(settled.stderr).toBe('');
      expect(JSON.parse(settled.stdout).key.matchesStore).toBe(true);
      expect(existsSync(stagedFile(install))).toBe(false);
      await removeInstall(install);
    });
  }

  it('a store sealed with a key found nowhere is refused (exit 4), never re-keyed', async () => {
    const install = await copyInstall(base);
    await writeFile(keyFile(install), `${Buffer.alloc(32, 7).toString('base64url')}\n`, { mode: 0o600 });
    const before = logicalDump(install.storeFile, await installKey(base));
    const r = await cli(install, ['rotate-key']);
    expect(r.code).toBe(4);
    expect(logicalDump(install.storeFile, await installKey(base))).toEqual(before);
    await removeInstall(install);
  });
});

const gate = secretServiceGate();

describe.skipIf(!gate.run)(
  `ma-auth rotate-key with the OS keychain (real Secret Service)${gate.skipNote}`,
  () => {
    beforeAll(() => gate.assertAvailable());

    it('stages in a second keychain entry, promotes, retires; a crash after the commit is finished by the next start', async () => {
      const { mkdtemp } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const { cleanEnv } = await import('../support/cli.js');
      const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-kc-rotate-'));
      const keyringHome = join(tmp, 'keyring-home');
      const maHome = join(tmp, 'ma');
      const env = cleanEnv({ MA_AUTH_HOME: maHome });
      const node = process.execPath;
      const run = (args: string[], extra: Record<string, string> = {}) =>
        runWithSecretService(node, [BIN, ...args], { env: { ...env, ...extra }, home: keyringHome });
      const init = await run([
        'init',
        '--yes',
        '--public-url',
        'https://ma.example.test',
        '--redirect-uri',
        'https://layla.amazon.com/api/skill/link/M2X',
        '--key-store',
        'keychain',
        '--json',
      ]);
      expect(init.code, init.stderr).toBe(0);
      const first = JSON.parse(init.stdout).keyFingerprint as string;

      const rotated = await run(['rotate-key', '--json']);
      expect(rotated.code, rotated.stderr).toBe(0);
      const out = JSON.parse(rotated.stdout);
      expect(out.oldFingerprint).toBe(first);
      expect(out.keySource).toMatch(/Secret Service/);
      expect(existsSync(join(maHome, 'config', 'data.key'))).toBe(false);
      expect(existsSync(join(maHome, 'config', 'data.key.staged'))).toBe(false);
      const status = await run(['status', '--json']);
      expect(JSON.parse(status.stdout).key).toMatchObject({
        fingerprint: out.newFingerprint,
        matchesStore: true,
      });

      // Killed right after the store committed, before the promotion.
      const crashed = await run(['rotate-key'], { MA_AUTH_TEST_CRASH_AT: 'rotate:committed' });
      expect(crashed.code).not.toBe(0);
      const recovered = await run(['status', '--json']);
      expect(recovered.code, recovered.stderr).toBe(0);
      expect(recovered.stderr).toContain('finished an interrupted key rotation');
      const key = JSON.parse(recovered.stdout).key;
      expect(key.matchesStore).toBe(true);
      expect(key.fingerprint).not.toBe(out.newFingerprint);
      // The staged entry is gone: a second status has nothing to finish.
      const quiet = await run(['status', '--json']);
      expect(quiet.code).toBe(0);
      expect(quiet.stderr).toBe('');
      const account = `data-key-staged:${sha256Hex(join(maHome, 'config')).slice(0, 16)}`;
      const probe = await runWithSecretService(
        node,
        [
          '--input-type=module',
          '-e',
          `import { AsyncEntry } from '@napi-rs/keyring';
         const e = new AsyncEntry('ma-auth', ${JSON.stringify(account)}, { linux: { store: 'secret-service' } });
         console.log(JSON.stringify(await e.getPassword()));`,
        ],
        { env, home: keyringHome },
      );
      expect(probe.stdout.trim()).toBe('null');
    }, 60_000);
  },
);
