/**
 * `ma-auth tokens …` as child processes of the built CLI on a real install,
 * with grants made by a real device flow or inserted as a code exchange
 * leaves them; revocation checked at the real listener's /alexa/token.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import { runCli } from '../support/cli.js';
import { createTestInstall, type Install, type Listener, startListener } from '../support/install.js';
import { BIN } from '../support/paths.js';
import { openTerminal, type Terminal } from '../support/tmux.js';
import { alexaAuth, DAY, deviceFlow, dumpStore, insertAlexaGrant, refreshAt, sql } from './admin-support.js';

let install: Install;
let listener: Listener | undefined;
beforeEach(async () => {
  install = await createTestInstall();
});
afterEach(async () => {
  await listener?.stop();
  listener = undefined;
});

const cli = (...args: string[]) => runCli(args, install.env);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('tokens list', () => {
  it('lists grants with client, owner, scope, times in words and state — and never a token (listener not running)', async () => {
    const grant = await insertAlexaGrant(install, 3 * DAY);
    const r = await cli('tokens', 'list');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`grant ${grant.grantId}  active`);
    expect(r.stdout).toContain('client    Alexa skill (amazon-alexa)');
    expect(r.stdout).toMatch(/owner {5}\S+/);
    expect(r.stdout).toContain('scope     music.read music.control');
    expect(r.stdout).toContain('via       linked on the consent page');
    expect(r.stdout).toContain('created   3 days ago');
    expect(r.stdout).toContain('last used 3 days ago');
    expect(r.stdout).toContain('expires   in 6 months, unless used again');

    const json = await cli('tokens', 'list', '--json');
    expect(json.code, json.stderr).toBe(0);
    const [row, ...rest] = JSON.parse(json.stdout);
    expect(rest).toEqual([]);
    expect(row).toEqual({
      id: grant.grantId,
      client_id: 'amazon-alexa',
      client_name: 'Alexa skill',
      owner_id: expect.any(String),
      owner_name: expect.any(String),
      scope: 'music.read music.control',
      origin: 'authorization_code',
      state: 'active',
      created_at: expect.stringMatching(ISO),
      last_used_at: expect.stringMatching(ISO),
      expires_at: expect.stringMatching(ISO),
      revoked_at: null,
      revoked_reason: null,
    });
    expect(Date.parse(row.created_at)).toBeLessThan(Date.now() - 3 * DAY + 60_000);

    for (const out of [r.stdout, json.stdout]) {
      expect(out).not.toContain(grant.refreshToken);
      expect(out).not.toContain(grant.accessToken);
      expect(out).not.toContain(sha256Hex(grant.refreshToken));
      expect(out).not.toMatch(/maa_(rt|at|cs)_/);
    }
  });

  it('--client filters, --all adds revoked grants; an unknown client → 1', async () => {
    listener = await startListener(install);
    const added = JSON.parse((await cli('clients', 'add', '--id', 'speaker', '--json')).stdout);
    await deviceFlow(install, 'speaker', added.client_secret);
    const alexa = await insertAlexaGrant(install);

    const ids = async (...args: string[]) =>
      JSON.parse((await cli('tokens', 'list', '--json', ...args)).stdout).map((g: { id: string }) => g.id);
    expect(await ids()).toHaveLength(2);
    expect(await ids('--client', 'amazon-alexa')).toEqual([alexa.grantId]);
    const speaker = await ids('--client', 'speaker');
    expect(speaker).toHaveLength(1);

    expect((await cli('tokens', 'revoke', alexa.grantId, '--yes')).code).toBe(0);
    expect(await ids()).toEqual(speaker);
    const all = JSON.parse(
      (await cli('tokens', 'list', '--all', '--json', '--client', 'amazon-alexa')).stdout,
    );
    expect(all).toMatchObject([
      { id: alexa.grantId, state: 'revoked', revoked_reason: 'revoked_by_owner', expires_at: null },
    ]);
    expect(all[0].revoked_at).toMatch(ISO);
    const text = await cli('tokens', 'list', '--all', '--client', 'amazon-alexa');
    expect(text.stdout).toContain(`grant ${alexa.grantId}  revoked just now (revoked_by_owner)`);

    const unknown = await cli('tokens', 'list', '--client', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no client "nobody"/);
  });

  it('says so when there is nothing to list', async () => {
    const r = await cli('tokens', 'list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/No active grants\. \(--all includes revoked and expired ones\.\)/);
    expect(JSON.parse((await cli('tokens', 'list', '--json')).stdout)).toEqual([]);
  });
});

describe('tokens revoke', () => {
  it('a grant id: its refresh token, valid a moment ago, fails at the listener; revoking again changes nothing', async () => {
    const grant = await insertAlexaGrant(install);
    listener = await startListener(install);
    expect((await refreshAt(install, grant.refreshToken, {}, alexaAuth(install))).status).toBe(200);

    const r = await cli('tokens', 'revoke', grant.grantId, '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Revoked grant ${grant.grantId}: its tokens stopped working.`);
    expect(r.stdout).toContain('Alexa is unlinked until you run ma-auth link again.');

    const after = await refreshAt(install, grant.refreshToken, {}, alexaAuth(install));
    expect(after.status).toBe(400);
    expect(after.body.error).toBe('invalid_grant');

    const again = await cli('tokens', 'revoke', grant.grantId, '--yes', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      event: 'already_revoked',
      grant_id: grant.grantId,
      client_id: 'amazon-alexa',
    });
  });

  it('--client: every grant of the client, at the listener too', async () => {
    listener = await startListener(install);
    const added = JSON.parse((await cli('clients', 'add', '--id', 'speaker', '--json')).stdout);
    const auth = { client_id: 'speaker', client_secret: added.client_secret };
    const one = await deviceFlow(install, 'speaker', added.client_secret);
    const two = await deviceFlow(install, 'speaker', added.client_secret);
    const alexa = await insertAlexaGrant(install);

    const r = await cli('tokens', 'revoke', '--client', 'speaker', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ event: 'revoked', client_id: 'speaker', revoked: 2 });
    for (const t of [one, two]) {
      expect((await refreshAt(install, t.refresh_token, auth)).body.error).toBe('invalid_grant');
    }
    // Other clients' grants are untouched.
    expect((await refreshAt(install, alexa.refreshToken, {}, alexaAuth(install))).status).toBe(200);

    const none = await cli('tokens', 'revoke', '--client', 'speaker', '--yes');
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('speaker holds no active grants; nothing was changed.');
  });

  it.each([
    [
      'without --yes and without a terminal',
      2,
      (id: string) => [id],
      /without a terminal to ask on, confirm with --yes/,
    ],
    ['--json without --yes', 2, (id: string) => [id, '--json'], /with --json, confirm with --yes/],
    ['--client without --yes', 2, () => ['--client', 'amazon-alexa'], /confirm with --yes/],
    ['neither a grant id nor --client', 2, () => ['--yes'], /say what to revoke/],
    [
      'both a grant id and --client',
      2,
      (id: string) => [id, '--client', 'amazon-alexa', '--yes'],
      /not both/,
    ],
    ['an unknown grant', 1, () => ['nope', '--yes'], /no grant "nope"/],
    ['an unknown client', 1, () => ['--client', 'nobody', '--yes'], /no client "nobody"/],
  ])('%s → %i, nothing changed', async (_name, exit, args, message) => {
    const grant = await insertAlexaGrant(install);
    const before = dumpStore(install);
    const r = await cli('tokens', 'revoke', ...args(grant.grantId));
    expect(r.code).toBe(exit);
    expect(r.stderr).toMatch(message);
    expect(dumpStore(install)).toEqual(before);
  });
});

describe('tokens revoke in a real terminal (tmux)', () => {
  let term: Terminal | undefined;
  afterEach(async () => {
    await term?.close();
    term = undefined;
  });

  it.each([
    ['n', 'Nothing was changed.', null],
    ['y', 'Revoked 1 grant of amazon-alexa', 'revoked_by_owner'],
  ])('shows the grants and asks; "%s" → %s', async (answer, message, reason) => {
    const grant = await insertAlexaGrant(install);
    term = await openTerminal([process.execPath, BIN, 'tokens', 'revoke', '--client', 'amazon-alexa'], {
      ...install.env,
      TERM: 'xterm-256color',
    });
    const screen = await term.waitFor('Revoke 1 grant of amazon-alexa?');
    expect(screen).toContain(`grant ${grant.grantId}  active`);
    expect(screen).not.toContain(grant.refreshToken);
    await term.type(answer);
    await term.press('Enter');
    await term.waitFor(message);
    expect(await term.exitCode()).toBe(0);
    expect(sql(install, 'SELECT revoked_reason FROM grants WHERE id = ?', grant.grantId)).toEqual([
      { revoked_reason: reason },
    ]);
  });
});

describe('tokens help', () => {
  it('every verb has --help with examples and exit codes, exit 0', async () => {
    for (const verb of ['list', 'revoke']) {
      const r = await cli('tokens', verb, '--help');
      expect(r.code, verb).toBe(0);
      expect(r.stdout, verb).toMatch(/Examples:\n {2}\$ ma-auth tokens /);
      expect(r.stdout, verb).toMatch(/Exit codes: 0 done/);
    }
  });
});
