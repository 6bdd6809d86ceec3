/**
 * `ma-auth audit` and `status`'s warning, over a real install and listener:
 * refresh-token reuse is provoked on the real path (rotate, then present the
 * retired token after the grace window), and the owner's "last looked" mark
 * lives in the store.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFRESH_GRACE_S } from '../../src/oauth/policy.js';
import { alexaToken, linkAlexa, refresh } from '../support/alexa-link.js';
import { runCli } from '../support/cli.js';
import { createTestInstall, type Install, type Listener, startListener } from '../support/install.js';

interface EventJson {
  id: number;
  at: string;
  kind: string;
  severity: string;
  description: string;
  clientId: string | null;
  grantId: string | null;
  detail: Record<string, unknown>;
  new: boolean;
}

let install: Install;
let listener: Listener;

beforeAll(async () => {
  install = await createTestInstall();
  listener = await startListener(install);
});
afterAll(async () => {
  await listener?.stop();
});

const audit = async (...args: string[]) => runCli(['audit', ...args], install.env);
const auditJson = async (...args: string[]): Promise<EventJson[]> => {
  const r = await audit('--json', ...args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};
const status = () => runCli(['status'], install.env);

describe('ma-auth audit', () => {
  it('shows reuse detection (provoked for real), newest first; status warns until audit is run', async () => {
    const linked = await linkAlexa(install, { wrongCodes: 1 });
    const rotated = await refresh(install, linked.refreshToken);
    expect(rotated.status).toBe(200);
    // The client did not store the rotation and presents its first token again: accepted, audited as info.
    expect((await refresh(install, linked.refreshToken)).status).toBe(200);
    // It finally presents the new one, which retires the first …
    expect((await refresh(install, rotated.body.refresh_token as string)).status).toBe(200);
    // … so the first one, after the grace window, is reuse: the grant is revoked.
    await sleep((REFRESH_GRACE_S + 1) * 1000);
    const reuse = await refresh(install, linked.refreshToken);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');

    const warned = await status();
    expect(warned.code, warned.stderr).toBe(0);
    const warning = warned.stdout.split('\n').filter((l) => l.startsWith('warning'));
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatch(
      /^warning +2 security events \(1 critical\) since you last ran ma-auth audit \(newest: refresh_reuse_detected, (just now|\d+ seconds? ago)\)\. Run: ma-auth audit$/,
    );
    const statusJson = JSON.parse((await runCli(['status', '--json'], install.env)).stdout);
    expect(statusJson.securityEvents).toMatchObject({
      count: 2,
      critical: 1,
      newestKind: 'refresh_reuse_detected',
      reviewedAt: null,
    });

    // --no-mark: a script reads the trail without silencing status.
    const events = await auditJson('--no-mark');
    expect(events.map((e) => e.kind)).toEqual([
      'refresh_reuse_detected',
      'refresh_old_token',
      'linked',
      'pairing_failed',
    ]);
    const [reused, old] = events;
    expect(reused).toMatchObject({
      severity: 'critical',
      clientId: install.alexa.clientId,
      new: true,
      description: expect.stringContaining('its grant was revoked'),
    });
    expect(reused?.grantId).toEqual(expect.any(String));
    expect(reused?.detail.address).toBe('127.0.0.1');
    expect(old).toMatchObject({ severity: 'info', detail: expect.objectContaining({ via: 'repeat' }) });
    expect(Date.parse(events[0]!.at)).toBeGreaterThanOrEqual(Date.parse(events[3]!.at));
    expect((await status()).stdout).toMatch(/^warning/m);

    // The text view, which marks the trail as looked at.
    const text = await audit();
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +critical +refresh_reuse_detected +amazon-alexa +\(new\)$/,
    );
    expect(text.stdout).toContain('a replaced refresh token was used again: its grant was revoked');
    expect(text.stdout).toMatch(/address 127\.0\.0\.1/);
    expect(text.stdout.indexOf('refresh_reuse_detected')).toBeLessThan(text.stdout.indexOf('linked'));
    for (const secret of [linked.refreshToken, linked.accessToken, linked.userCode]) {
      expect(text.stdout).not.toContain(secret);
    }

    // Looked at: status is quiet, and the next audit shows nothing as new.
    expect((await status()).stdout).not.toMatch(/^warning/m);
    expect((await auditJson()).every((e) => !e.new)).toBe(true);

    // A new serious event after that (a failed client authentication) brings the warning back.
    expect(
      (await alexaToken(install, { grant_type: 'refresh_token', refresh_token: 'x' }, 'wrong')).status,
    ).toBe(401);
    expect((await status()).stdout).toMatch(
      /^warning +1 security warning since you last ran ma-auth audit \(newest: client_auth_failed, /m,
    );
  });

  it('filters by kind, severity and time', async () => {
    const reuse = await auditJson('--kind', 'refresh_reuse_detected', '--no-mark');
    expect(reuse.map((e) => e.kind)).toEqual(['refresh_reuse_detected']);
    const two = await auditJson('--kind', 'linked,pairing_failed', '--no-mark');
    expect(two.map((e) => e.kind).sort()).toEqual(['linked', 'pairing_failed']);
    const serious = await auditJson('--severity', 'warning', '--no-mark');
    expect(serious.length).toBeGreaterThan(0);
    expect(serious.every((e) => e.severity !== 'info')).toBe(true);
    expect((await auditJson('--severity', 'critical', '--no-mark')).map((e) => e.kind)).toEqual([
      'refresh_reuse_detected',
    ]);
    expect((await auditJson('--since', '1h', '--no-mark')).length).toBeGreaterThanOrEqual(4);
    expect(await auditJson('--since', '2099-01-01', '--no-mark')).toEqual([]);
    expect((await auditJson('--limit', '1', '--no-mark')).length).toBe(1);
    const none = await audit('--since', '2099-01-01', '--no-mark');
    expect(none.stdout.trim()).toBe('No events match.');

    const unknownKind = await audit('--kind', 'no_such_kind', '--no-mark');
    expect(unknownKind.code).toBe(0);
    expect(unknownKind.stderr).toContain('no known event kind no_such_kind');

    for (const bad of [
      ['--since', 'yesterday'],
      ['--severity', 'loud'],
      ['--limit', '0'],
    ]) {
      const r = await audit(...bad);
      expect(r.code, bad.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error: --(since|severity|limit) must be/);
    }
  });

  it('prints what a client sent only sanitised (no terminal escapes from a forged client id)', async () => {
    const forged = 'evil\x1b]0;owned\x07\x1b[2J-client';
    const res = await fetch(`${install.baseUrl}/alexa/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${forged}:x`).toString('base64')}`,
      },
      body: 'grant_type=refresh_token&refresh_token=x',
    });
    expect(res.status).toBe(401);
    const r = await audit('--kind', 'client_auth_failed', '--limit', '1', '--no-mark');
    expect(r.stdout).toContain('presentedClientId evil');
    expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  });

  it('not set up: exit 3', async () => {
    const r = await runCli(['audit'], { ...install.env, MA_AUTH_HOME: `${install.home}-nowhere` });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ma-auth init');
  });
});
