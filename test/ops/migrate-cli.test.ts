/**
 * `ma-auth migrate` as the owner runs it (the built CLI, no terminal): the
 * dry run, the real run, the second run and a failure half-way each checked
 * against the bytes of the whole install (config, key, store).
 */
import { describe, expect, it } from 'vitest';
import { runCli, snapshotTree } from '../support/cli.js';
import { createTestInstall, type Install } from '../support/install.js';
import { CLIENTS, DUMP, legacyTokens } from './support/legacy.js';

const ARGS = ['migrate', '--from', DUMP, '--clients', CLIENTS];

function expectSameTree(before: Map<string, Buffer>, after: Map<string, Buffer>) {
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [path, bytes] of before) expect(after.get(path)?.equals(bytes), path).toBe(true);
}

async function migrateEnv(install: Install, extra: Record<string, string> = {}) {
  // No legacy search roots of the machine running the tests.
  return { ...install.env, MA_AUTH_LEGACY_DIRS: '', ...extra };
}

describe('ma-auth migrate (CLI)', () => {
  it('--dry-run reports what would happen and changes nothing on disk', async () => {
    const install = await createTestInstall();
    const before = await snapshotTree(install.home);
    const dry = await runCli([...ARGS, '--dry-run'], await migrateEnv(install));
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Dry run: nothing was changed.');
    expect(dry.stdout).toContain('amazon-alexa: would update as the Alexa skill (confidential)');
    expect(dry.stdout).toContain('would import   4 grants');
    expect(dry.stdout).toContain('A new client secret would be generated for amazon-alexa');
    expect(dry.stdout).not.toMatch(/maa_cs_/);
    expectSameTree(before, await snapshotTree(install.home));

    const json = await runCli([...ARGS, '--dry-run', '--json'], await migrateEnv(install));
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      event: 'dry_run',
      changed: true,
      tokens: { imported: 4 },
    });
    expectSameTree(before, await snapshotTree(install.home));
  });

  it('migrates, prints the new secret once with what to do, reports malformed entries; a second run changes nothing', async () => {
    const install = await createTestInstall();
    const env = await migrateEnv(install);
    const run = await runCli(ARGS, env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Migrated from the legacy server, in one transaction.');
    const secret = /New client secret for amazon-alexa.*\n {2}(maa_cs_\S+)/.exec(run.stdout)?.[1];
    expect(secret).toMatch(/^maa_cs_/);
    expect(run.stdout).toContain('Put it in the Alexa developer console now');
    // Malformed entries: key and reason, one per line.
    for (const line of [
      '  tokens["eve"]: refresh_token: missing',
      '  tokens["grace"]: expected an object, got a string',
      '  tokens["judy"]: expected an object, got null',
      '  oauth_clients["broken-client"]: redirect_uris: expected a list of strings, got a string',
      '  tokens["dave"]: no client "ghost-client" in ma-auth or in the legacy clients file',
    ]) {
      expect(run.stdout).toContain(line);
    }
    // Nothing secret from the legacy dump is printed.
    for (const t of Object.values(legacyTokens())) {
      if (typeof t?.refresh_token === 'string') expect(run.stdout).not.toContain(t.refresh_token);
    }

    const before = await snapshotTree(install.home);
    const again = await runCli(ARGS, env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing to do: everything here was migrated before');
    expect(again.stdout).toContain('The store was not changed.');
    expect(again.stdout).not.toMatch(/maa_cs_/);
    expectSameTree(before, await snapshotTree(install.home));
    const third = await runCli([...ARGS, '--json'], env);
    expect(third.code, third.stderr).toBe(0);
    const json = JSON.parse(third.stdout);
    expect(json).toMatchObject({
      event: 'unchanged',
      changed: false,
      tokens: { imported: 0, alreadyImported: 5 },
    });
    expectSameTree(before, await snapshotTree(install.home));
  });

  it('a failure in the middle of the import leaves the store exactly as it was', async () => {
    const install = await createTestInstall();
    const before = await snapshotTree(install.home);
    const failed = await runCli(ARGS, await migrateEnv(install, { MA_AUTH_TEST_MIGRATE_FAIL_AFTER: '2' }));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('migration failed, nothing was changed');
    expect(failed.stdout).toBe('');
    expectSameTree(before, await snapshotTree(install.home));
  });

  it('usage: --from is required; an unreadable or wrongly shaped file is exit 2; not set up is exit 3', async () => {
    const install = await createTestInstall();
    const env = await migrateEnv(install);
    expect((await runCli(['migrate'], env)).code).toBe(2);
    const missing = await runCli(['migrate', '--from', '/nonexistent/dump.json'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the legacy dump /nonexistent/dump.json (ENOENT)');
    const wrong = await runCli(['migrate', '--from', CLIENTS], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('no "tokens" map');
    const fresh = await runCli(['migrate', '--from', DUMP], { ...env, MA_AUTH_HOME: `${install.home}-none` });
    expect(fresh.code).toBe(3);
  });
});
