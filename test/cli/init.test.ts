import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeKey, generateDataKey } from '../../src/keys/data-key.js';
import { LATEST_SCHEMA_VERSION } from '../../src/store/sqlite/migrations.js';
import { cleanEnv, runCli, snapshotTree } from '../support/cli.js';

const REDIRECT = 'https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH';
const FLAGS = [
  'init',
  '--yes',
  '--public-url',
  'https://ma.example.test',
  '--client-id',
  'amazon-alexa',
  '--redirect-uri',
  REDIRECT,
];

describe('ma-auth init (child process, no TTY)', () => {
  let home: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-init-'));
    home = join(tmp, 'home');
    env = cleanEnv({ MA_AUTH_HOME: home, HOME: tmp });
  });

  it('sets up from flags; status shows it; no printed secret is in any file of the data dir', async () => {
    const init = await runCli([...FLAGS, '--key-store', 'file', '--json'], env);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    const result = JSON.parse(init.stdout);
    expect(result.alexa).toMatchObject({
      authorizationUri: 'https://ma.example.test/alexa/authorize',
      accessTokenUri: 'https://ma.example.test/alexa/token',
      clientId: 'amazon-alexa',
      scopes: ['music.read', 'music.control'],
      redirectUris: [REDIRECT],
    });
    const secret: string = result.alexa.clientSecret;
    expect(secret).toMatch(/^maa_cs_[A-Za-z0-9_-]{43}$/);

    const status = await runCli(['status', '--json'], env);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report).toMatchObject({
      initialised: true,
      key: { fingerprint: result.keyFingerprint, matchesStore: true },
      store: { schemaVersion: LATEST_SCHEMA_VERSION, clients: 3, activeGrants: 0, pendingPairings: 0 },
      listener: { answering: false },
    });

    const maSecret = (await readFile(result.musicAssistant.secretFile, 'utf8')).trim();
    const key = (await readFile(join(home, 'config', 'data.key'), 'utf8')).trim();
    const dataFiles = await snapshotTree(join(home, 'data'));
    expect([...dataFiles.keys()].some((f) => f.endsWith('ma-auth.db'))).toBe(true);
    for (const [file, bytes] of dataFiles) {
      for (const needle of [secret, maSecret, key, secret.slice(7), maSecret.slice(7)]) {
        expect(bytes.includes(needle), `${needle.slice(0, 10)}… in ${file}`).toBe(false);
      }
    }
    for (const f of [
      'config/data.key',
      'config/music-assistant-client.secret',
      'config/config.json',
      'data/ma-auth.db',
    ]) {
      expect((await stat(join(home, f))).mode & 0o077, f).toBe(0);
    }
  });

  it('prints the Alexa console values as text by default', async () => {
    const init = await runCli([...FLAGS, '--key-store', 'file'], env);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('Your Web Authorization URI https://ma.example.test/alexa/authorize');
    expect(init.stdout).toContain('Access Token URI           https://ma.example.test/alexa/token');
    expect(init.stdout).toMatch(/Your Secret\s+maa_cs_/);
    expect(init.stdout).toContain(REDIRECT);
    expect(init.stdout).not.toContain('\x1b['); // no colour when not a terminal
  });

  it('refuses to overwrite an existing set-up, and --force without a passphrase for its backup, changing nothing', async () => {
    expect((await runCli([...FLAGS, '--key-store', 'file'], env)).code).toBe(0);
    const before = await snapshotTree(home);
    const again = await runCli([...FLAGS, '--key-store', 'file'], env);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/already set up/);
    // --force backs up first, with a passphrase (test/ops/backup.test.ts covers the rest).
    const forced = await runCli([...FLAGS, '--force'], env);
    expect(forced.code).toBe(2);
    expect(forced.stderr).toMatch(/--force first backs up .* --passphrase-stdin/);
    expect(await snapshotTree(home)).toEqual(before);
  });

  it.each([
    [['--public-url', 'http://ma.example.test'], /must use https/],
    [['--public-url', 'not a url'], /not a valid URL/],
    [['--redirect-uri', 'https://pitangui.amazon.com/x#frag'], /fragment/],
    [['--redirect-uri', 'http://pitangui.amazon.com/x'], /https/],
    [['--key-store', 'vault'], /--key-store must be one of/],
    [['--listen', 'nowhere'], /--listen must be host:port/],
    [['--client-id', 'has space'], /--client-id/],
  ])('bad input %j → usage error (2), nothing created', async (extra, message) => {
    const r = await runCli([...FLAGS, ...extra], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(home)).toBe(false);
  });

  it('without a terminal, missing values are an error naming the flags, never a prompt', async () => {
    const r = await runCli(['init'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--public-url and --redirect-uri are required without a terminal/);
    expect(existsSync(home)).toBe(false);
  });

  it('allows http only with --insecure-http, and warns', async () => {
    const r = await runCli([...FLAGS, '--public-url', 'http://localhost:8787', '--insecure-http'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/WARNING: the public URL is http/);
  });

  it('an unwritable location → clear error, exit 1, nothing created', async () => {
    const blocker = join(home, '..', 'a-file');
    await writeFile(blocker, 'x');
    const r = await runCli(FLAGS, { ...env, MA_AUTH_HOME: join(blocker, 'home') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot create .*ENOTDIR/);
    expect(r.stderr).toMatch(/Nothing was created/);
    expect(await readFile(blocker, 'utf8')).toBe('x');
  });

  it('--key-store env uses MA_AUTH_KEY and writes no key anywhere', async () => {
    const key = generateDataKey();
    const r = await runCli([...FLAGS, '--key-store', 'env', '--json'], {
      ...env,
      MA_AUTH_KEY: encodeKey(key),
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).keySource).toBe('environment variable MA_AUTH_KEY');
    expect(existsSync(join(home, 'config', 'data.key'))).toBe(false);
    const files = await snapshotTree(home);
    for (const bytes of files.values()) expect(bytes.includes(encodeKey(key))).toBe(false);
    // Without the variable the key is gone: status says where it looked.
    const status = await runCli(['status'], env);
    expect(status.code).toBe(4);
    expect(status.stderr).toMatch(/no data key found/);
  });

  it('--key-store env without a key in the environment → usage error with how to make one', async () => {
    const r = await runCli([...FLAGS, '--key-store', 'env'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs the key in MA_AUTH_KEY or MA_AUTH_KEY_FILE/);
    expect(existsSync(home)).toBe(false);
  });

  it('MA_AUTH_KEY set with another key store is refused (it would shadow the new key)', async () => {
    const r = await runCli([...FLAGS, '--key-store', 'file'], {
      ...env,
      MA_AUTH_KEY: encodeKey(generateDataKey()),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/would override the file key/);
    expect(existsSync(home)).toBe(false);
  });

  it('MA_AUTH_KEY not matching an existing store → key error (4), nothing changed', async () => {
    const key = generateDataKey();
    expect(
      (await runCli([...FLAGS, '--key-store', 'env'], { ...env, MA_AUTH_KEY: encodeKey(key) })).code,
    ).toBe(0);
    const before = await snapshotTree(home);
    const other = { ...env, MA_AUTH_KEY: encodeKey(generateDataKey()) };
    const r = await runCli([...FLAGS, '--key-store', 'env'], other);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/was sealed with/);
    const status = await runCli(['status', '--json'], other);
    expect(status.code).toBe(4);
    expect(JSON.parse(status.stdout).key.matchesStore).toBe(false);
    expect(await snapshotTree(home)).toEqual(before);
  });
});

describe('ma-auth status', () => {
  it('not set up → exit 3 with the command to run', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-status-'));
    const r = await runCli(['status'], cleanEnv({ MA_AUTH_HOME: join(tmp, 'h'), HOME: tmp }));
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/Run: ma-auth init/);
    const json = await runCli(['status', '--json'], cleanEnv({ MA_AUTH_HOME: join(tmp, 'h'), HOME: tmp }));
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).initialised).toBe(false);
  });

  it('a deleted key file → exit 4 naming where it looked', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-status-'));
    const env = cleanEnv({ MA_AUTH_HOME: join(tmp, 'h'), HOME: tmp });
    expect((await runCli([...FLAGS, '--key-store', 'file'], env)).code).toBe(0);
    await import('node:fs/promises').then((fs) => fs.rm(join(tmp, 'h', 'config', 'data.key')));
    const r = await runCli(['status'], env);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(join(tmp, 'h', 'config', 'data.key'));
    expect(r.stderr).toContain('MA_AUTH_KEY');
  });
});

describe('help', () => {
  it.each([['--help'], ['init', '--help'], ['status', '--help']])(
    '%j has an example and exits 0',
    async (...args) => {
      const r = await runCli(args, cleanEnv());
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\$ ma-auth/);
    },
  );

  it('an unknown flag is a usage error (2)', async () => {
    const r = await runCli(['init', '--nope'], cleanEnv());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
  });
});
