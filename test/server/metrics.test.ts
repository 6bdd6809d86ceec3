/**
 * Prometheus metrics on a real listener (`ma-auth serve` as a child process):
 * a scripted linking flow moves exactly the counters it should, the exposition
 * never contains a token, code or secret, and without the config setting there
 * is no metrics endpoint at all.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/config.js';
import { decodeKey } from '../../src/keys/data-key.js';
import { cliClientSecret } from '../../src/oauth/builtin-clients.js';
import { REFRESH_GRACE_S } from '../../src/oauth/policy.js';
import {
  alexaToken,
  introspect,
  linkAlexa,
  openConsent,
  refresh,
  startPairing,
  submitConsent,
} from '../support/alexa-link.js';
import {
  createTestInstall,
  freePort,
  type Install,
  type Listener,
  startListener,
} from '../support/install.js';

async function enableMetrics(install: Install, settings: Record<string, unknown>): Promise<void> {
  const file = join(install.home, 'config', 'config.json');
  const config = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify({ ...config, metrics: settings }), { mode: 0o600 });
}

/** The value of one sample, `name{labels}`; labels must match exactly (in the order prom-client prints them). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const rendered = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const head = rendered ? `${name}{${rendered}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(head));
  if (line === undefined) throw new Error(`no sample ${head.trim()} in:\n${text}`);
  return Number(line.slice(head.length));
}

describe('metrics on a real listener', () => {
  let install: Install;
  let listener: Listener;
  let metricsUrl: string;
  beforeAll(async () => {
    install = await createTestInstall();
    const port = await freePort();
    await enableMetrics(install, { port });
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    listener = await startListener(install);
  });
  afterAll(async () => {
    await listener?.stop();
  });

  const scrape = async () => {
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  it('counts a scripted flow: pairing, consent, code, refreshes, reuse, introspection, refusals', async () => {
    const before = await scrape();
    expect(sample(before, 'ma_auth_authorizations_total', { outcome: 'started' })).toBe(0);
    expect(sample(before, 'ma_auth_build_info', { version: '0.1.0' })).toBe(1);

    // Link with one wrong code first: device authorization, consent page, approve, code exchange.
    const linked = await linkAlexa(install, { wrongCodes: 1 });
    // A second consent request, denied.
    await startPairing(install);
    const denied = await submitConsent(install, await openConsent(install, 's2'), 'deny');
    expect(denied.status).toBe(303);

    // Refreshes: the first token confirms (rotated); presenting it again is accepted (ok);
    // the newest confirms (rotated) and retires the first; an unknown one is rejected.
    const r1 = await refresh(install, linked.refreshToken);
    expect(r1.status).toBe(200);
    expect((await refresh(install, linked.refreshToken)).status).toBe(200);
    expect((await refresh(install, r1.body.refresh_token as string)).status).toBe(200);
    expect((await refresh(install, 'maa_rt_not-a-real-token')).status).toBe(400);
    // The retired first token, after the grace window: reuse, the family is revoked.
    await sleep((REFRESH_GRACE_S + 1) * 1000);
    const reuse = await refresh(install, linked.refreshToken);
    expect(reuse.body.error).toBe('invalid_grant');

    // Introspection: a live access token from before the revocation is inactive now; so is junk.
    expect((await introspect(install, linked.accessToken)).body).toEqual({ active: false });
    expect((await introspect(install, 'junk')).body).toEqual({ active: false });
    // Client authentication failure.
    const wrongSecret = await alexaToken(
      install,
      { grant_type: 'refresh_token', refresh_token: 'x' },
      'nope',
    );
    expect(wrongSecret.status).toBe(401);
    // Rate limit: the /link page allows 30 a minute per address.
    let limited = 0;
    for (let i = 0; i < 32; i++) if ((await fetch(`${install.baseUrl}/link`)).status === 429) limited++;
    expect(limited).toBeGreaterThan(0);
    // A path no route knows, carrying something token-shaped: counted as "unmatched", never echoed.
    expect((await fetch(`${install.baseUrl}/oauth/${linked.accessToken}`)).status).toBe(404);

    const after = await scrape();
    const count = (name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(count('ma_auth_device_authorizations_total')).toBe(2);
    expect(count('ma_auth_authorizations_total', { outcome: 'started' })).toBe(2);
    expect(count('ma_auth_authorizations_total', { outcome: 'approved' })).toBe(1);
    expect(count('ma_auth_authorizations_total', { outcome: 'denied' })).toBe(1);
    expect(count('ma_auth_pairing_attempts_total', { outcome: 'wrong_code' })).toBe(1);
    expect(count('ma_auth_pairing_attempts_total', { outcome: 'ok' })).toBe(1);
    expect(count('ma_auth_pairing_attempts_total', { outcome: 'locked_out' })).toBe(0);
    expect(count('ma_auth_tokens_issued_total', { grant: 'authorization_code' })).toBe(1);
    expect(count('ma_auth_tokens_issued_total', { grant: 'refresh_token' })).toBe(3);
    expect(count('ma_auth_refreshes_total', { outcome: 'rotated' })).toBe(2);
    expect(count('ma_auth_refreshes_total', { outcome: 'ok' })).toBe(1);
    expect(count('ma_auth_refreshes_total', { outcome: 'rejected' })).toBe(1);
    expect(count('ma_auth_refreshes_total', { outcome: 'reuse_detected' })).toBe(1);
    expect(count('ma_auth_introspections_total', { result: 'inactive' })).toBe(2);
    expect(count('ma_auth_introspections_total', { result: 'active' })).toBe(0);
    expect(count('ma_auth_client_authentication_failures_total')).toBe(1);
    expect(sample(after, 'ma_auth_rate_limited_total', { rule: 'link:address' })).toBe(limited);
    // Latency per route from the routes table; the unknown path is "unmatched".
    expect(
      sample(after, 'ma_auth_http_request_duration_seconds_count', {
        route: '/alexa/token',
        method: 'POST',
        status: '200',
      }),
    ).toBe(4);
    expect(
      sample(after, 'ma_auth_http_request_duration_seconds_count', {
        route: 'unmatched',
        method: 'GET',
        status: '404',
      }),
    ).toBe(1);
    expect(count('ma_auth_store_commit_duration_seconds_count')).toBeGreaterThan(5);

    // Nothing secret in the exposition: no token, code or client secret, in any form.
    const key = decodeKey((await readFile(join(install.home, 'config', 'data.key'), 'utf8')).trim());
    for (const secret of [
      linked.accessToken,
      linked.refreshToken,
      r1.body.refresh_token as string,
      linked.userCode,
      linked.userCode.replace('-', ''),
      install.alexa.clientSecret,
      install.musicAssistant.clientSecret,
      cliClientSecret(key),
    ]) {
      expect(after).not.toContain(secret);
    }
    expect(after).not.toMatch(/maa_[a-z]{2}_/);
    expect(after).not.toContain('/oauth/maa');
    // Only route-table paths and "unmatched" as route labels.
    const routes = new Set([...after.matchAll(/route="([^"]*)"/g)].map((m) => m[1]));
    expect([...routes].every((r) => r === 'unmatched' || /^\/[a-z_./-]*$/.test(r as string))).toBe(true);
  });

  it('answers only /metrics, GET or HEAD, never cached', async () => {
    const other = await fetch(metricsUrl.replace('/metrics', '/health'));
    expect(other.status).toBe(404);
    const post = await fetch(metricsUrl, { method: 'POST' });
    expect(post.status).toBe(405);
    const head = await fetch(metricsUrl, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('cache-control')).toBe('no-store');
  });
});

describe('metrics settings', () => {
  it('are off by default: no metrics listener, and the public listener has no /metrics', async () => {
    const install = await createTestInstall();
    const config = JSON.parse(await readFile(join(install.home, 'config', 'config.json'), 'utf8'));
    expect(config.metrics).toBeUndefined();
    const listener = await startListener(install);
    try {
      expect((await fetch(`${install.baseUrl}/metrics`)).status).toBe(404);
      expect(listener.logs()).not.toContain('"msg":"metrics"');
    } finally {
      await listener.stop();
    }
  });

  it('with a token file, a scrape needs the bearer token', async () => {
    const install = await createTestInstall();
    const port = await freePort();
    const tokenFile = join(install.home, 'config', 'metrics.token');
    const token = 'a-metrics-token-0123456789abcdef';
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    await enableMetrics(install, { port, tokenFile });
    const listener = await startListener(install);
    try {
      const url = `http://127.0.0.1:${port}/metrics`;
      const anonymous = await fetch(url);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(
        401,
      );
      const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('ma_auth_tokens_issued_total');
    } finally {
      await listener.stop();
    }
  });

  it('are never public without a token: a non-loopback host needs tokenFile', () => {
    const base = {
      version: 1,
      publicUrl: 'https://ma.example.com',
      keyStore: 'file',
      alexaClientId: 'amazon-alexa',
    };
    expect(validateConfig({ ...base, metrics: {} }, 'c.json').metrics).toEqual({
      host: '127.0.0.1',
      port: 9464,
    });
    expect(() => validateConfig({ ...base, metrics: { host: '0.0.0.0' } }, 'c.json')).toThrow(
      /metrics\.host.*not a loopback address: set "tokenFile"/,
    );
    expect(
      validateConfig({ ...base, metrics: { host: '0.0.0.0', tokenFile: '/run/secrets/t' } }, 'c.json')
        .metrics,
    ).toEqual({ host: '0.0.0.0', port: 9464, tokenFile: '/run/secrets/t' });
    expect(() => validateConfig({ ...base, metrics: { port: 8787 } }, 'c.json')).toThrow(/must differ/);
    expect(() => validateConfig({ ...base, metrics: { tokenFile: 'relative' } }, 'c.json')).toThrow(
      /absolute path/,
    );
    expect(() => validateConfig({ ...base, metrics: { prot: 1 } }, 'c.json')).toThrow(/metrics\.prot/);
  });
});
