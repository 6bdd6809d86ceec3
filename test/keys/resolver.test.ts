import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/config/paths.js';
import { encodeKey, generateDataKey } from '../../src/keys/data-key.js';
import { ownKeyFileSource } from '../../src/keys/file-source.js';
import { KeyNotFoundError, resolveKey } from '../../src/keys/resolver.js';
import type { KeySource } from '../../src/keys/source.js';
import { KeySourceError } from '../../src/keys/source.js';

describe('key resolution', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'ma-auth-keys-'));
  });
  const paths = () => resolvePaths({ MA_AUTH_HOME: home });

  it('asks MA_AUTH_KEY first, then MA_AUTH_KEY_FILE, then the key file', async () => {
    const [a, b, c] = [generateDataKey(), generateDataKey(), generateDataKey()];
    const keyFile = join(home, 'docker-secret');
    await writeFile(keyFile, encodeKey(b));
    await ownKeyFileSource(paths().keyFile).write?.(c);
    const env = { MA_AUTH_KEY: encodeKey(a), MA_AUTH_KEY_FILE: keyFile };
    expect((await resolveKey({ env, paths: paths(), keyStore: 'file' })).key.id).toBe(a.id);
    expect(
      (await resolveKey({ env: { MA_AUTH_KEY_FILE: keyFile }, paths: paths(), keyStore: 'file' })).key.id,
    ).toBe(b.id);
    const fromFile = await resolveKey({ env: {}, paths: paths(), keyStore: 'file' });
    expect(fromFile.key.id).toBe(c.id);
    expect(fromFile.source.kind).toBe('file');
  });

  it('asks the keychain (before the key file) only when the install chose it', async () => {
    const inKeychain = generateDataKey();
    const inFile = generateDataKey();
    await ownKeyFileSource(paths().keyFile).write?.(inFile);
    let asked = 0;
    const keychain: KeySource = {
      kind: 'keychain',
      location: 'test keychain',
      async read() {
        asked++;
        return inKeychain;
      },
    };
    expect((await resolveKey({ env: {}, paths: paths(), keyStore: 'keychain', keychain })).key.id).toBe(
      inKeychain.id,
    );
    expect((await resolveKey({ env: {}, paths: paths(), keyStore: 'file', keychain })).key.id).toBe(
      inFile.id,
    );
    expect(asked).toBe(1);
  });

  it('names every place it looked when no key is found', async () => {
    const keychain: KeySource = { kind: 'keychain', location: 'test keychain', read: async () => null };
    const err = await resolveKey({ env: {}, paths: paths(), keyStore: 'keychain', keychain }).catch((e) => e);
    expect(err).toBeInstanceOf(KeyNotFoundError);
    expect(err.message).toContain('MA_AUTH_KEY');
    expect(err.message).toContain('test keychain');
    expect(err.message).toContain(paths().keyFile);
    expect(err.message).toContain('never creates a new key');
  });

  it('stops at an unusable source instead of falling through to another key', async () => {
    await ownKeyFileSource(paths().keyFile).write?.(generateDataKey());
    const err = await resolveKey({
      env: { MA_AUTH_KEY: 'not-a-key' },
      paths: paths(),
      keyStore: 'file',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(KeySourceError);
    expect(err.message).toContain('MA_AUTH_KEY');
    expect(err.message).not.toContain('not-a-key');
  });

  it('an MA_AUTH_KEY_FILE that does not exist is an error, not "no key"', async () => {
    const err = await resolveKey({
      env: { MA_AUTH_KEY_FILE: join(home, 'missing') },
      paths: paths(),
      keyStore: 'file',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(KeySourceError);
    expect(err.message).toMatch(/does not exist/);
  });

  it('refuses a key file readable by others, saying how to fix it', async () => {
    const source = ownKeyFileSource(paths().keyFile);
    await source.write?.(generateDataKey());
    await chmod(paths().keyFile, 0o644);
    await expect(source.read()).rejects.toThrow(/chmod 600/);
  });

  it('writes the key file 0600 in the config dir, never the data dir', async () => {
    const p = paths();
    expect(p.keyFile.startsWith(p.configDir)).toBe(true);
    expect(p.keyFile.startsWith(p.dataDir)).toBe(false);
  });
});
