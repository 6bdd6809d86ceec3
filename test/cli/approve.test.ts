/**
 * `ma-auth approve CODE` as a child process, against a real store holding
 * device authorizations made here (as the device authorization endpoint would).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import { randomId } from '../../src/crypto/random-token.js';
import { type DataKey, decodeKey } from '../../src/keys/data-key.js';
import { CLI_CLIENT_ID, GRANT_TYPES } from '../../src/oauth/builtin-clients.js';
import { userCodeHash } from '../../src/oauth/user-code.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { cleanEnv, runCli } from '../support/cli.js';
import { BIN } from '../support/paths.js';
import { openTerminal, type Terminal } from '../support/tmux.js';

const DEVICE = 'kitchen-speaker';

async function install() {
  const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-approve-'));
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
    ],
    env,
  );
  expect(init.code, init.stderr).toBe(0);
  const key = decodeKey(await readFile(join(home, 'config', 'data.key'), 'utf8'));
  const file = join(home, 'data', 'ma-auth.db');
  const store = await SqliteStore.open({ file, key });
  try {
    await store.addClient(
      {
        id: DEVICE,
        name: 'Kitchen \x1b[31mspeaker\u202e',
        role: 'device',
        type: 'public',
        secretHash: null,
        redirectUris: [],
        grantTypes: [GRANT_TYPES.deviceCode, GRANT_TYPES.refreshToken],
        scopes: ['music.read', 'music.control'],
        requirePkce: false,
      },
      Date.now(),
    );
  } finally {
    await store.close();
  }
  return { home, env, key, file };
}

/** A device authorization as the endpoint would create it; returns its user code. */
async function pairing(
  ctx: { key: DataKey; file: string },
  code: string,
  opts: { clientId?: string; ageS?: number; ttlS?: number } = {},
) {
  const store = await SqliteStore.open({ file: ctx.file, key: ctx.key });
  try {
    const now = Date.now() - (opts.ageS ?? 90) * 1000;
    await store.createDeviceAuthorization({
      id: randomId(),
      deviceCodeHash: sha256Hex(`maa_dc_${randomId()}`),
      userCodeHash: userCodeHash(ctx.key, code),
      clientId: opts.clientId ?? DEVICE,
      scope: 'music.read',
      createdAt: now,
      expiresAt: now + (opts.ttlS ?? 600) * 1000,
      intervalS: 5,
      meta: { address: '192.0.2.7', userAgent: 'speaker/1.0 \x1b]0;pwned\x07' },
    });
  } finally {
    await store.close();
  }
}

async function statusOf(ctx: { key: DataKey; file: string }, code: string) {
  const store = await SqliteStore.open({ file: ctx.file, key: ctx.key });
  try {
    return (await store.findDeviceAuthorizationByUserCode(userCodeHash(ctx.key, code)))?.status;
  } finally {
    await store.close();
  }
}

describe('ma-auth approve (child process, no TTY)', () => {
  let ctx: Awaited<ReturnType<typeof install>>;
  beforeEach(async () => {
    ctx = await install();
  });

  it('--yes approves: shows client, scopes, address and age (sanitised); the store says approved; audited', async () => {
    await pairing(ctx, 'BCDFGHJK');
    const r = await runCli(['approve', 'bcdf ghjk', '--yes'], ctx.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('device     Kitchen speaker (kitchen-speaker)');
    expect(r.stdout).toMatch(/asks to {4}music\.read — /);
    expect(r.stdout).toContain('from       192.0.2.7 (speaker/1.0)');
    expect(r.stdout).toMatch(/requested {2}1 min (29|30|31) s ago \(\d{4}-[^)]+\); expires in 8 min/);
    expect(r.stdout).toContain('Approved: Kitchen speaker gets its tokens on its next poll.');
    expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
    expect(await statusOf(ctx, 'BCDFGHJK')).toBe('approved');
    const store = await SqliteStore.open({ file: ctx.file, key: ctx.key });
    const events = await store.listAudit({ kinds: ['device_approved'] });
    await store.close();
    expect(events).toHaveLength(1);
    expect(events[0]?.clientId).toBe(DEVICE);
  });

  it('--deny --json denies, one JSON object', async () => {
    await pairing(ctx, 'BCDFGHJK');
    const r = await runCli(['approve', 'BCDF-GHJK', '--deny', '--json'], ctx.env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      event: 'denied',
      client_id: DEVICE,
      client_name: 'Kitchen speaker',
      scope: 'music.read',
      address: '192.0.2.7',
      user_agent: 'speaker/1.0',
    });
    expect(await statusOf(ctx, 'BCDFGHJK')).toBe('denied');
    const again = await runCli(['approve', 'BCDF-GHJK', '--yes'], ctx.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already approved, denied or cancelled/);
  });

  it('without a terminal and without --yes/--deny: usage error (2), never a prompt, nothing decided', async () => {
    await pairing(ctx, 'BCDFGHJK');
    const r = await runCli(['approve', 'BCDF-GHJK'], ctx.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes approves, --deny denies/);
    expect(await statusOf(ctx, 'BCDFGHJK')).toBe('pending');
    expect((await runCli(['approve', 'BCDF-GHJK', '--json'], ctx.env)).code).toBe(2);
  });

  it.each([
    ['an expired code → 6', { ttlS: 60, ageS: 120 }, 6, /expired/],
    [
      'an Alexa pairing code from ma-auth link → 2',
      { clientId: CLI_CLIENT_ID },
      2,
      /enter it in the Alexa app/,
    ],
  ])('%s', async (_name, opts, exit, message) => {
    await pairing(ctx, 'BCDFGHJK', opts);
    const r = await runCli(['approve', 'BCDF-GHJK', '--yes'], ctx.env);
    expect(r.code).toBe(exit);
    expect(r.stderr).toMatch(message);
    expect(await statusOf(ctx, 'BCDFGHJK')).toBe('pending');
  });

  it('an unknown code → 1; a malformed one → 2', async () => {
    const unknown = await runCli(['approve', 'BCDF-GHJK', '--yes'], ctx.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no pairing with this code/);
    const malformed = await runCli(['approve', 'AEIO-1234', '--yes'], ctx.env);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/8 letters, like WDJB-MJHT/);
  });

  it('not set up → 3', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-approve-'));
    const r = await runCli(
      ['approve', 'BCDF-GHJK', '--yes'],
      cleanEnv({ MA_AUTH_HOME: join(tmp, 'h'), HOME: tmp }),
    );
    expect(r.code).toBe(3);
  });
});

describe('ma-auth approve in a real terminal (tmux)', () => {
  let term: Terminal | undefined;
  afterEach(async () => {
    await term?.close();
  });

  it.each([
    ['y', 'approved', /Approved: Kitchen speaker/],
    ['n', 'denied', /Denied: Kitchen speaker/],
  ])('shows the request and asks; "%s" → %s', async (answer, status, message) => {
    const ctx = await install();
    await pairing(ctx, 'BCDFGHJK');
    term = await openTerminal([process.execPath, BIN, 'approve', 'BCDF-GHJK'], {
      ...ctx.env,
      TERM: 'xterm-256color',
    });
    const screen = await term.waitFor('Approve Kitchen speaker?');
    expect(screen).toContain('from       192.0.2.7 (speaker/1.0)');
    await term.type(answer);
    await term.press('Enter');
    await term.waitFor(message);
    expect(await term.exitCode()).toBe(0);
    expect(await statusOf(ctx, 'BCDFGHJK')).toBe(status);
  });
});
