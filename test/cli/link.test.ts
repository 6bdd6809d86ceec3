/**
 * `ma-auth link` as a child process (no TTY) against an RFC 8628 peer stub:
 * real HTTP over loopback, a real install pointing its listen address at the stub.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/cli.js';
import { BIN } from '../support/paths.js';
import {
  DENIED,
  DEVICE_CODE,
  EXPIRED,
  expectedBasic,
  LINKED,
  PENDING,
  SLOW_DOWN,
  type Stub,
  startStub,
} from './link-stub.js';

/** setTimeout never fires early, but clocks differ by a little between processes. */
const SLACK_MS = 30;

async function setUp(stub: Stub): Promise<{ home: string; env: Record<string, string> }> {
  const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-link-'));
  const home = join(tmp, 'home');
  const env = cleanEnv({ MA_AUTH_HOME: home, HOME: tmp });
  const init = await runCli(
    [
      'init',
      '--yes',
      '--public-url',
      'https://ma.example.test',
      '--redirect-uri',
      'https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH',
      '--key-store',
      'file',
      '--listen',
      `127.0.0.1:${stub.port}`,
    ],
    env,
  );
  expect(init.code, init.stderr).toBe(0);
  return { home, env };
}

const events = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('ma-auth link against an RFC 8628 peer (child process, no TTY)', () => {
  let stub: Stub;
  beforeEach(async () => {
    stub = await startStub();
  });
  afterEach(async () => {
    await stub.close();
  });

  it('pairs, honours interval and slow_down (+5 s), authenticates with the derived secret, reports the link', async () => {
    stub.tokens.push(PENDING, SLOW_DOWN, LINKED);
    const { home, env } = await setUp(stub);
    const r = await runCli(['link', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(events(r.stdout)).toEqual([
      {
        event: 'pairing',
        user_code: 'WDJB-MJHT',
        verification_uri: 'https://ma.example.test/link',
        verification_uri_complete: 'https://ma.example.test/link?code=WDJB-MJHT',
        expires_in: 600,
        interval: 1,
      },
      { event: 'slow_down', interval: 6 },
      {
        event: 'linked',
        linked_client_id: 'amazon-alexa',
        scope: 'music.read music.control',
        linked_at: 1_767_225_600,
      },
    ]);

    const [pairing] = stub.byPath('/oauth/device_authorization');
    expect(pairing?.form).toEqual({ scope: 'music.read music.control' });
    const polls = stub.byPath('/alexa/token');
    expect(polls).toHaveLength(3);
    for (const p of polls) {
      expect(p.form).toEqual({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: DEVICE_CODE,
      });
    }
    const basic = await expectedBasic(home);
    for (const req of [pairing, ...polls]) expect(req?.authorization).toBe(basic);
    const at = [pairing?.at ?? 0, ...polls.map((p) => p.at)];
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(1000 - SLACK_MS);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1000 - SLACK_MS);
    expect(at[3]! - at[2]!).toBeGreaterThanOrEqual(6000 - SLACK_MS); // 1 s + 5 s after slow_down
    expect(r.stdout + r.stderr).not.toContain(DEVICE_CODE);
    expect(r.stdout + r.stderr).not.toContain('maa_at_');
    expect(stub.byPath('/oauth/revoke')).toHaveLength(0);
  });

  it('text output: the code as text, a QR of verification_uri_complete, the instructions and the link', async () => {
    stub.tokens.push(LINKED);
    const { env } = await setUp(stub);
    const r = await runCli(['link'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Pairing code: WDJB-MJHT');
    expect(r.stdout).toContain('your skill → Link account → enter the code');
    expect(r.stdout).toMatch(/[▀▄█]{10,}/);
    expect(r.stdout).toContain('https://ma.example.test/link?code=WDJB-MJHT');
    expect(r.stdout).toMatch(
      /Linked amazon-alexa \(scopes music\.read, music\.control\) at 2026-01-01T00:00:00\.000Z/,
    );
    expect(r.stdout).not.toContain('\x1b'); // no colour, no countdown without a terminal
    expect(r.stdout).toContain('Waiting for the code to be entered (Ctrl-C cancels)…\n'); // static, no countdown

    stub.tokens.push(LINKED);
    const noQr = await runCli(['link', '--no-qr'], env);
    expect(noQr.code).toBe(0);
    expect(noQr.stdout).toContain('Pairing code: WDJB-MJHT');
    expect(noQr.stdout).not.toMatch(/[▀▄█]/);
  });

  it('access_denied → exit 7 and a "denied" event', async () => {
    stub.tokens.push(PENDING, DENIED);
    const { env } = await setUp(stub);
    const r = await runCli(['link', '--json'], env);
    expect(r.code).toBe(7);
    expect(events(r.stdout).at(-1)).toEqual({ event: 'denied' });
    expect(r.stderr).toMatch(/denied/);
  });

  it('expired_token → exit 6 and an "expired" event', async () => {
    stub.tokens.push(EXPIRED);
    const { env } = await setUp(stub);
    const r = await runCli(['link', '--json'], env);
    expect(r.code).toBe(6);
    expect(events(r.stdout).at(-1)).toEqual({ event: 'expired', by: 'server' });
    expect(r.stderr).toMatch(/expired/);
  });

  it('--timeout passing → exit 6, and the pairing is cancelled on the listener', async () => {
    const { env } = await setUp(stub);
    const started = performance.now();
    const r = await runCli(['link', '--json', '--timeout', '2.5'], env);
    expect(r.code).toBe(6);
    expect(performance.now() - started).toBeGreaterThanOrEqual(2500);
    expect(events(r.stdout).at(-1)).toEqual({ event: 'expired', by: 'timeout', revoked: true });
    expect(stub.byPath('/alexa/token').length).toBe(2);
    const [revoke] = stub.byPath('/oauth/revoke');
    expect(revoke?.form).toEqual({ token: DEVICE_CODE, token_type_hint: 'device_code' });
  });

  it('a dropped connection is retried with backoff', async () => {
    stub.tokens.push('drop', LINKED);
    const { env } = await setUp(stub);
    const r = await runCli(['link', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const ev = events(r.stdout);
    expect(ev.map((e) => e.event)).toEqual(['pairing', 'retrying', 'linked']);
    expect(ev[1]).toMatchObject({ retry_in_s: 2 });
    const polls = stub.byPath('/alexa/token');
    expect(polls[1]!.at - polls[0]!.at).toBeGreaterThanOrEqual(2000 - SLACK_MS);
  });

  it('control characters the server sends never reach the output', async () => {
    stub.pairing = {
      ...stub.pairing,
      user_code: '\x1b[2J\x1b[31mWDJB-\u202eMJHT\x1b[0m\x07',
      verification_uri: 'https://ma.example.test/link\x1b]0;owned\x07',
      verification_uri_complete: 'https://ma.example.test/link?code=WDJB-MJHT\r\x1b[1A',
    };
    stub.tokens.push({
      status: 200,
      body: {
        ...(LINKED as { body: object }).body,
        linked_client_id: 'amazon\x1b[8m-alexa\u2066',
        scope: 'music.read\x9b2J',
      },
    });
    const { env } = await setUp(stub);
    for (const args of [['link'], ['link', '--json']]) {
      const r = await runCli(args, env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
      expect(r.stdout).toContain('WDJB-MJHT');
      expect(r.stdout).toContain('amazon-alexa');
      stub.tokens.push({
        status: 200,
        body: { ...(LINKED as { body: object }).body, linked_client_id: 'amazon\x1b[8m-alexa' },
      });
    }
  });

  it('Ctrl-C (SIGINT) cancels the pairing on the listener with the device code, exit 130', async () => {
    const { env } = await setUp(stub);
    const child = spawn(process.execPath, [BIN, 'link', '--json'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await stub.waitFor('/alexa/token');
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const [revoke] = stub.byPath('/oauth/revoke');
    expect(revoke?.form).toEqual({ token: DEVICE_CODE, token_type_hint: 'device_code' });
    expect(revoke?.authorization).toMatch(/^Basic /);
    expect(events(stdout).at(-1)).toEqual({ event: 'cancelled', revoked: true });
    expect(stderr).toMatch(/cancelled; the pairing code no longer works/);
  });

  it('an error answer is reported with the (sanitised) error, exit 1', async () => {
    stub.tokens.push({
      status: 401,
      body: { error: 'invalid_client', error_description: 'bad\x1b[31m secret' },
    });
    const { env } = await setUp(stub);
    const r = await runCli(['link', '--json'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invalid_client: bad secret');
    expect(r.stderr).not.toContain('\x1b');
  });
});

describe('ma-auth link without a set-up', () => {
  it('fails with exit 3 and the init command to run, when there is no terminal', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-link-'));
    const r = await runCli(['link'], cleanEnv({ MA_AUTH_HOME: join(tmp, 'home'), HOME: tmp }));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not set up here/);
    expect(r.stderr).toContain('ma-auth init --yes --public-url https://ma.example.com');
  });

  it('rejects a bad --timeout as a usage error', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-link-'));
    const r = await runCli(
      ['link', '--timeout', 'soon'],
      cleanEnv({ MA_AUTH_HOME: join(tmp, 'home'), HOME: tmp }),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout must be a number of seconds/);
  });
});
