/**
 * The migration notice (src/ops/legacy-notice.ts): `ma-auth status` says it
 * once per store when a legacy oauth_clients.json is found and nothing was
 * migrated; the listener logs it once per start; neither after migrating.
 */
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestInstall, type Listener, startListener } from '../support/install.js';
import { CLIENTS, DUMP } from './support/legacy.js';

let listener: Listener | undefined;
afterEach(async () => {
  await listener?.stop();
  listener = undefined;
});

async function legacyDir(): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ma-auth-legacy-config '));
  const file = join(dir, 'oauth_clients.json');
  await copyFile(CLIENTS, file);
  return { dir, file };
}

describe('the legacy migration notice', () => {
  it('status shows it once, with the exact command, and not after migrating', async () => {
    const install = await createTestInstall();
    const legacy = await legacyDir();
    const env = { ...install.env, MA_AUTH_LEGACY_DIRS: `/nonexistent:${legacy.dir}` };
    const command = `ma-auth migrate --from legacy-dump.json --clients '${legacy.file}'`;

    // A script's status --json reports it without using up the person's notice.
    const script = await runCli(['status', '--json'], env);
    expect(script.code, script.stderr).toBe(0);
    expect(JSON.parse(script.stdout).legacyServer).toEqual({
      clientsFile: legacy.file,
      command,
      firstNotice: false,
    });

    const first = await runCli(['status'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Legacy Alexa OAuth server data found: ${legacy.file}`);
    expect(first.stdout).toContain(`  ${command}`);
    const second = await runCli(['status'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('Legacy Alexa OAuth server');
    // --json keeps carrying it (data, not a nag) until migrated.
    const status = await runCli(['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    const json = JSON.parse(status.stdout);
    expect(json.legacyServer).toEqual({ clientsFile: legacy.file, command, firstNotice: false });

    const migrated = await runCli(['migrate', '--from', DUMP, '--clients', legacy.file], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    const after = await runCli(['status', '--json'], env);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).legacyServer).toBeUndefined();
    expect((await runCli(['status'], env)).stdout).not.toContain('Legacy Alexa OAuth server');
  });

  it('without a legacy file, status says nothing about it', async () => {
    const install = await createTestInstall();
    const status = await runCli(['status', '--json'], {
      ...install.env,
      MA_AUTH_LEGACY_DIRS: '/nonexistent',
    });
    expect(JSON.parse(status.stdout).legacyServer).toBeUndefined();
  });

  it('the listener logs it at start-up, once per process, until migrated', async () => {
    const install = await createTestInstall();
    const legacy = await legacyDir();
    const env = { ...install.env, MA_AUTH_LEGACY_DIRS: legacy.dir };
    const withLegacy = { ...install, env };
    listener = await startListener(withLegacy);
    await expect.poll(() => listener!.logs(), { timeout: 5000 }).toContain('legacy OAuth server data found');
    const lines = listener
      .logs()
      .split('\n')
      .filter((l) => l.includes('legacy OAuth server data found'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', clientsFile: legacy.file });
    // status's once-per-store notice is independent of the listener's log line.
    expect((await runCli(['status'], env)).stdout).toContain('Legacy Alexa OAuth server data found');
    await listener.stop();

    const migrated = await runCli(['migrate', '--from', DUMP, '--clients', legacy.file], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    listener = await startListener(withLegacy);
    await new Promise((r) => setTimeout(r, 300));
    expect(listener.logs()).not.toContain('legacy OAuth server data found');
  });
});
