/**
 * The keychain key source against a real Secret Service (gnome-keyring on a
 * private D-Bus session, see test/support/secret-service.ts), and against none.
 *
 * The source runs in a child process (test/support/keychain-probe.ts, from the
 * TS source, no build needed): the Secret Service is reached through the
 * session bus of the process, which each scenario sets up differently.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import { type DataKey, encodeKey, generateDataKey } from '../../src/keys/data-key.js';
import type { ProbeOutcome, ProbeStep } from '../support/keychain-probe.js';
import {
  runWithSecretService,
  type SecretServiceMode,
  secretServiceGate,
} from '../support/secret-service.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PROBE_ARGS = [
  '--experimental-transform-types',
  '--disable-warning=ExperimentalWarning',
  '--import',
  fileURLToPath(new URL('../support/ts-resolve.mjs', import.meta.url)),
  fileURLToPath(new URL('../support/keychain-probe.ts', import.meta.url)),
];

/** The account name the source must use (computed here independently of it). */
const accountFor = (configDir: string) => `data-key:${sha256Hex(configDir).slice(0, 16)}`;

function parseOutcomes(stdout: string, stderr: string, code: number | null): ProbeOutcome[] {
  if (code !== 0) throw new Error(`keychain probe exited with ${code}:\n${stderr}`);
  return JSON.parse(stdout) as ProbeOutcome[];
}

async function probeWithSecretService(
  steps: ProbeStep[],
  opts: { home?: string; mode?: SecretServiceMode } = {},
): Promise<ProbeOutcome[]> {
  const r = await runWithSecretService(process.execPath, PROBE_ARGS, {
    ...opts,
    cwd: REPO,
    input: JSON.stringify(steps),
  });
  return parseOutcomes(r.stdout, r.stderr, r.code);
}

/** The probe with no Secret Service at all: the session bus address leads nowhere. */
function probeWithoutBus(steps: ProbeStep[], home: string): Promise<ProbeOutcome[]> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: home,
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${home}/no-such-bus`,
    };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const child = spawn(process.execPath, PROBE_ARGS, { cwd: REPO, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(parseOutcomes(stdout, stderr, code));
      } catch (err) {
        reject(err);
      }
    });
    child.stdin.end(JSON.stringify(steps));
  });
}

const ok = (value?: string | boolean | null): ProbeOutcome =>
  value === undefined ? { ok: true } : { ok: true, value };

const gate = secretServiceGate();

describe.skipIf(!gate.run)(`keychain key source on a real Secret Service${gate.skipNote}`, () => {
  beforeAll(() => gate.assertAvailable());

  const dirA = '/srv/ma-auth-a/config';
  const dirB = '/srv/ma-auth-b/config';
  let keyA: DataKey;
  let keyB: DataKey;
  beforeAll(() => {
    keyA = generateDataKey();
    keyB = generateDataKey();
  });

  it('reads null when absent, returns what was written, and is gone after remove', async () => {
    const out = await probeWithSecretService([
      { op: 'read', configDir: dirA },
      { op: 'write', configDir: dirA, key: encodeKey(keyA) },
      { op: 'read', configDir: dirA },
      { op: 'remove', configDir: dirA },
      { op: 'read', configDir: dirA },
      { op: 'remove', configDir: dirA }, // removing what is absent is fine
    ]);
    expect(out).toEqual([ok(null), ok(), ok(keyA.id), ok(), ok(null), ok()]);
  });

  it('keeps one entry per config dir: service "ma-auth", account data-key:<sha256(configDir)[0..16]>', async () => {
    const out = await probeWithSecretService([
      { op: 'write', configDir: dirA, key: encodeKey(keyA) },
      { op: 'write', configDir: dirB, key: encodeKey(keyB) },
      { op: 'read', configDir: dirA },
      { op: 'read', configDir: dirB },
      { op: 'raw-get', account: accountFor(dirA), store: 'secret-service' },
      { op: 'location', configDir: dirA },
      { op: 'remove', configDir: dirA },
      { op: 'read', configDir: dirA },
      { op: 'read', configDir: dirB },
    ]);
    expect(out.slice(0, 5)).toEqual([ok(), ok(), ok(keyA.id), ok(keyB.id), ok(encodeKey(keyA))]);
    expect(out[5]).toEqual(
      ok(`OS keychain (Secret Service, service "ma-auth", account "${accountFor(dirA)}")`),
    );
    expect(out.slice(6)).toEqual([ok(), ok(null), ok(keyB.id)]);
  });

  it('keeps the key across sessions (the keyring is on disk, unlike the kernel keyring)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'ma-auth-keychain-'));
    try {
      expect(
        await probeWithSecretService([{ op: 'write', configDir: dirA, key: encodeKey(keyA) }], { home }),
      ).toEqual([ok()]);
      expect(await probeWithSecretService([{ op: 'read', configDir: dirA }], { home })).toEqual([
        ok(keyA.id),
      ]);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('rejects a stored value that is not a key, without quoting it', async () => {
    const garbage = 'hunter2-not-a-key-but-a-secret-of-some-other-app';
    const almostKey = `${encodeKey(keyA).slice(0, 42)}!`;
    const account = accountFor(dirA);
    const out = await probeWithSecretService([
      { op: 'raw-set', account, store: 'secret-service', value: garbage },
      { op: 'read', configDir: dirA },
      { op: 'raw-set', account, store: 'secret-service', value: almostKey },
      { op: 'read', configDir: dirA },
      {
        op: 'raw-set',
        account,
        store: 'secret-service',
        base64: Buffer.from([0xff, 0xfe, 0x00, 0x80]).toString('base64'),
      },
      { op: 'read', configDir: dirA },
    ]);
    for (const [i, value] of [
      [1, garbage],
      [3, almostKey],
    ] as const) {
      expect(out[i]).toMatchObject({
        ok: false,
        name: 'KeySourceError',
        message: expect.stringContaining(account),
      });
      const { message } = out[i] as { message: string };
      expect(message).toMatch(/not an ma-auth data key/);
      expect(message).not.toContain(value);
      expect(message).not.toContain(value.slice(0, 12));
    }
    expect(out[5]).toMatchObject({
      ok: false,
      name: 'KeySourceError',
      message: expect.stringMatching(/not an ma-auth data key/),
    });
  });

  it('says the keyring is locked when it cannot be unlocked (no prompt can be shown)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'ma-auth-keychain-'));
    try {
      await probeWithSecretService([{ op: 'write', configDir: dirA, key: encodeKey(keyA) }], { home });
      const [read] = await probeWithSecretService([{ op: 'read', configDir: dirA }], {
        home,
        mode: 'locked',
      });
      expect(read).toMatchObject({
        ok: false,
        name: 'KeySourceError',
        message: expect.stringMatching(/locked/),
      });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('says no Secret Service is running when the bus has none', async () => {
    const [read, write] = await probeWithSecretService(
      [
        { op: 'read', configDir: dirA },
        { op: 'write', configDir: dirA, key: encodeKey(keyA) },
      ],
      { mode: 'absent' },
    );
    for (const outcome of [read, write]) {
      expect(outcome).toMatchObject({
        ok: false,
        name: 'KeySourceError',
        message: expect.stringMatching(/no Secret Service is running.*gnome-keyring or KeePassXC/),
      });
    }
  });
});

describe.skipIf(process.platform !== 'linux')('keychain key source without any D-Bus session (Linux)', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ma-auth-keychain-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('fails with a clear KeySourceError and never falls back to the kernel keyring', async () => {
    const key = generateDataKey();
    const configDir = join(home, 'config');
    const account = accountFor(configDir);
    const control = `${account}:control`;
    const [write, read, remove, leaked, ...controlSteps] = await probeWithoutBus(
      [
        { op: 'write', configDir, key: encodeKey(key) },
        { op: 'read', configDir },
        { op: 'remove', configDir },
        // What the write might have left in the kernel keyring (same process, same session keyring).
        { op: 'raw-get', account, store: 'keyutils' },
        // Control: an entry that is NOT pinned falls back to the kernel keyring here, so
        // finding nothing above is the pin's doing. Set twice: the library's first kernel
        // keyring write in a process can fail with AccessDenied (and still store the value).
        { op: 'raw-set', account: control, store: 'default', value: 'control' },
        { op: 'raw-set', account: control, store: 'default', value: 'control' },
        { op: 'raw-get', account: control, store: 'keyutils' },
        { op: 'raw-delete', account: control, store: 'keyutils' },
      ],
      home,
    );
    for (const outcome of [write, read, remove]) {
      expect(outcome).toMatchObject({ ok: false, name: 'KeySourceError' });
      const { message } = outcome as { message: string };
      expect(message).toContain(`account "${account}"`);
      expect(message).toMatch(/no D-Bus session bus is reachable.*no-such-bus/);
      expect(message).toMatch(/--key-store file|MA_AUTH_KEY_FILE/);
      expect(message).not.toContain(encodeKey(key));
    }
    // Nothing readable there: absent, or the kernel keyring is not usable at all.
    expect(leaked).not.toMatchObject({ ok: true, value: expect.any(String) });
    // The control proves something only where the kernel keyring accepts writes
    // (container seccomp profiles often block keyctl; then nothing can leak into it anyway).
    const [set1, set2, controlRead, controlCleanup] = controlSteps;
    if (set1?.ok || set2?.ok) {
      expect(controlRead).toEqual(ok('control'));
      expect(controlCleanup).toEqual(ok(true));
    }
  });
});
