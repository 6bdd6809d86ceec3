/**
 * deploy/ma-auth.service: systemd accepts it (`systemd-analyze verify`, from
 * the Debian package `systemd`, which .ci/run installs), it keeps the
 * hardening docs/deployment.md promises, and its paths are the ones ma-auth
 * itself resolves from the environment the unit sets.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/config/paths.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../../src/server/listener.js';
import { listenerNodeOptions } from '../../src/server/node-options.js';
import { ROOT } from '../support/paths.js';

const UNIT = join(ROOT, 'deploy', 'ma-auth.service');

/** `[Section] Key=value` → section → key → every value given (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1] as string, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) throw new Error(`not a unit line: ${line}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

const unit = parseUnit(readFileSync(UNIT, 'utf8'));
const service = unit.get('Service') ?? new Map<string, string[]>();
const one = (key: string) => {
  const values = service.get(key);
  expect(values, `[Service] ${key}`).toBeDefined();
  return (values as string[]).at(-1);
};

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('deploy/ma-auth.service', () => {
  it.runIf(hasSystemdAnalyze || process.env.CI)('passes systemd-analyze verify without a warning', () => {
    if (!hasSystemdAnalyze)
      throw new Error('systemd-analyze is missing: install the Debian package "systemd"');
    const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
  });

  it('systemd-analyze verify does reject a broken unit (the check above can fail)', () => {
    if (!hasSystemdAnalyze) return;
    const broken = join(mkdtempSync(join(tmpdir(), 'ma-auth-unit-')), 'ma-auth.service');
    writeFileSync(
      broken,
      readFileSync(UNIT, 'utf8').replace('ProtectSystem=strict', 'ProtectSystem=sometimes'),
    );
    const r = spawnSync('systemd-analyze', ['verify', broken], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toMatch(/ProtectSystem|protect system/i);
  });

  it('runs the foreground listener as an unprivileged user, restarted on failure', () => {
    expect(one('ExecStart')).toMatch(/ ma-auth serve$/);
    expect(one('User')).toBe('ma-auth');
    expect(one('Type')).toBe('simple');
    expect(one('Restart')).toBe('on-failure');
    // Longer than the listener's own graceful-shutdown deadline, so systemd never SIGKILLs a clean stop.
    expect(Number.parseInt(one('TimeoutStopSec') as string, 10) * 1000).toBeGreaterThan(
      DEFAULT_SHUTDOWN_TIMEOUT_MS,
    );
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('is hardened', () => {
    const expected: Record<string, string> = {
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectKernelLogs: 'yes',
      ProtectControlGroups: 'yes',
      ProtectClock: 'yes',
      RestrictSUIDSGID: 'yes',
      RestrictNamespaces: 'yes',
      LockPersonality: 'yes',
      CapabilityBoundingSet: '',
      RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
      SystemCallArchitectures: 'native',
      UMask: '0077',
      StateDirectoryMode: '0700',
    };
    for (const [key, value] of Object.entries(expected)) expect(one(key), key).toBe(value);
    expect(service.get('SystemCallFilter')).toContain('@system-service');
    // V8's JIT needs W+X memory: this setting would stop Node from starting.
    expect(service.get('MemoryDenyWriteExecute')).toBeUndefined();
  });

  const environment = (): Record<string, string> =>
    Object.fromEntries(
      (service.get('Environment') ?? [])
        .flatMap((e) => e.split(/\s+/))
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );

  it("runs the listener with ma-auth's Node options for a two-core host", () => {
    expect(environment().NODE_OPTIONS).toBe(listenerNodeOptions(2).join(' '));
  });

  it("writes only where ma-auth's own paths land, given the unit's environment", () => {
    const env = environment();
    expect(env.MA_AUTH_HOME).toBeUndefined();
    const paths = resolvePaths({ ...env, HOME: '/nonexistent' }, 'linux');
    expect(paths.dataDir).toBe(`/var/lib/${one('StateDirectory')}`);
    expect(paths.configDir).toBe(one('ReadWritePaths'));
    // The key is not in the data dir: a backup of /var/lib never carries it.
    expect(paths.keyFile.startsWith(paths.dataDir)).toBe(false);
  });
});
