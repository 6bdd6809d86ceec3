import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, snapshotTree } from '../support/cli.js';
import { BIN } from '../support/paths.js';
import { runWithSecretService, secretServiceGate } from '../support/secret-service.js';

const gate = secretServiceGate();

describe.skipIf(!gate.run)(`ma-auth init --key-store keychain (real Secret Service)${gate.skipNote}`, () => {
  beforeAll(() => gate.assertAvailable());

  it('stores the key in the Secret Service (no key file anywhere) and finds it again after a "reboot"', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-kc-'));
    const keyringHome = join(tmp, 'keyring-home');
    const maHome = join(tmp, 'ma');
    const env = cleanEnv({ MA_AUTH_HOME: maHome });
    const node = process.execPath;
    const init = await runWithSecretService(
      node,
      [
        BIN,
        'init',
        '--yes',
        '--public-url',
        'https://ma.example.test',
        '--redirect-uri',
        'https://layla.amazon.com/api/skill/link/M2X',
        '--key-store',
        'keychain',
        '--json',
      ],
      { env, home: keyringHome },
    );
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    const result = JSON.parse(init.stdout);
    expect(result.keySource).toMatch(/Secret Service/);
    expect(existsSync(join(maHome, 'config', 'data.key'))).toBe(false);

    // A new session on the same keyring (as after a reboot): the key is still there.
    const status = await runWithSecretService(node, [BIN, 'status', '--json'], { env, home: keyringHome });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).key).toMatchObject({
      fingerprint: result.keyFingerprint,
      matchesStore: true,
    });

    // A locked keyring: a clear key error (4), never a new key.
    const before = await snapshotTree(maHome);
    const locked = await runWithSecretService(node, [BIN, 'status'], {
      env,
      home: keyringHome,
      mode: 'locked',
    });
    expect(locked.code).toBe(4);
    expect(locked.stderr).toMatch(/Secret Service/);
    expect(await snapshotTree(maHome)).toEqual(before);
  });
});
