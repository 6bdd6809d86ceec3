import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ConfigMissingError,
  loadConfig,
  parseListen,
  saveConfig,
  validateConfig,
} from '../../src/config/config.js';
import { resolvePaths } from '../../src/config/paths.js';

const valid = {
  version: 1,
  publicUrl: 'https://ma.example.test/',
  listen: { host: '127.0.0.1', port: 8787 },
  keyStore: 'file',
  alexaClientId: 'amazon-alexa',
};

describe('config', () => {
  it('fills defaults and normalises the public URL', () => {
    const c = validateConfig(valid, 'c.json');
    expect(c.publicUrl).toBe('https://ma.example.test');
    expect(c.accessTokenTtl).toBe(3600);
    expect(c.trustProxy).toBe(false);
  });

  it.each([
    [{ publicUrl: 'http://ma.example.test' }, 'publicUrl', /https/],
    [{ publicUrl: 'not a url' }, 'publicUrl', /not a valid URL/],
    [{ listen: { host: '127.0.0.1', port: 70000 } }, 'listen.port', /1 to 65535/],
    [{ keyStore: 'vault' }, 'keyStore', /keychain/],
    [{ accessTokenTtl: 60 }, 'accessTokenTtl', /at least 360/],
    [{ version: 9 }, 'version', /newer ma-auth/],
    [{ publicUrll: 'x' }, 'publicUrll', /not a known setting/],
  ])('names the file, the field and the problem: %j', (patch, field, problem) => {
    const err = (() => {
      try {
        validateConfig({ ...valid, ...patch }, '/etc/ma-auth/config.json');
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).toContain('/etc/ma-auth/config.json');
    expect(err?.message).toContain(`"${field}"`);
    expect(err?.message).toMatch(problem);
  });

  it('allows http only with insecureHttp', () => {
    expect(
      validateConfig({ ...valid, publicUrl: 'http://localhost:8787', insecureHttp: true }, 'c').publicUrl,
    ).toBe('http://localhost:8787');
  });

  it('loads what it saved, and reports missing and broken files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ma-auth-config-'));
    const file = join(dir, 'config.json');
    await expect(loadConfig(file)).rejects.toBeInstanceOf(ConfigMissingError);
    await saveConfig(file, validateConfig(valid, file));
    expect((await loadConfig(file)).alexaClientId).toBe('amazon-alexa');
    await writeFile(file, '{ nope');
    await expect(loadConfig(file)).rejects.toThrow(/not valid JSON/);
  });

  it('parses listen addresses', () => {
    expect(parseListen('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListen('[::1]:8787')).toEqual({ host: '::1', port: 8787 });
    expect(parseListen('localhost')).toBeNull();
    expect(parseListen('h:0')).toBeNull();
  });
});

describe('paths', () => {
  it('MA_AUTH_HOME overrides everything', () => {
    const p = resolvePaths({ MA_AUTH_HOME: '/srv/ma', XDG_CONFIG_HOME: '/x' }, 'linux');
    expect(p.configFile).toBe('/srv/ma/config/config.json');
    expect(p.storeFile).toBe('/srv/ma/data/ma-auth.db');
  });

  it('follows XDG on Linux, ignoring relative XDG values', () => {
    const p = resolvePaths({ HOME: '/home/o', XDG_CONFIG_HOME: '/cfg', XDG_DATA_HOME: 'relative' }, 'linux');
    expect(p.configDir).toBe('/cfg/ma-auth');
    expect(p.dataDir).toBe('/home/o/.local/share/ma-auth');
  });

  it('uses Application Support on macOS', () => {
    expect(resolvePaths({ HOME: '/Users/o' }, 'darwin').configDir).toBe(
      '/Users/o/Library/Application Support/ma-auth/config',
    );
  });
});
