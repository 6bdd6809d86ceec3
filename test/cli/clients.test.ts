/**
 * `ma-auth clients …` as child processes of the built CLI on a real install;
 * where a secret or a removal must take effect, against the real listener.
 */
import { readFile, stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import {
  ALEXA_REDIRECT,
  createTestInstall,
  type Install,
  type Listener,
  startListener,
} from '../support/install.js';
import { BIN } from '../support/paths.js';
import { openTerminal, type Terminal } from '../support/tmux.js';
import {
  alexaAuth,
  basic,
  deviceFlow,
  dumpStore,
  insertAlexaGrant,
  occurrences,
  post,
  refreshAt,
  sql,
  storeBytes,
  withStore,
} from './admin-support.js';

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

/** Everything `list` and `show` print, in both formats, for "no secret shown" checks. */
async function everythingShown(): Promise<string> {
  const ids = (await withStore(install, (s) => s.listClients())).map((c) => c.id);
  const runs = [await cli('clients', 'list'), await cli('clients', 'list', '--json')];
  for (const id of ids)
    runs.push(await cli('clients', 'show', id), await cli('clients', 'show', id, '--json'));
  for (const r of runs) expect(r.code, r.stderr).toBe(0);
  return runs.map((r) => r.stdout + r.stderr).join('\n');
}

function secretHashes(): string[] {
  return sql<{ secret_hash: string | null }>(install, 'SELECT secret_hash FROM clients')
    .map((r) => r.secret_hash)
    .filter((h): h is string => h !== null);
}

describe('clients list / show', () => {
  it('lists the three built-in clients: id, name, role, type, redirect URIs, grant types, created', async () => {
    const r = await cli('clients', 'list');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('amazon-alexa  Alexa skill');
    expect(r.stdout).toContain('role           alexa (confidential, secret stored as a hash)');
    expect(r.stdout).toContain('grant types    authorization_code, refresh_token');
    expect(r.stdout).toContain(`redirect URIs  ${ALEXA_REDIRECT}`);
    expect(r.stdout).toContain('ma-auth-cli  ma-auth command line');
    expect(r.stdout).toContain('cli (confidential, secret derived from the data key)');
    expect(r.stdout).toContain('grant types    device_code');
    expect(r.stdout).toContain('music-assistant  Music Assistant');
    expect(r.stdout).toMatch(/created {8}just now/);

    const json = await cli('clients', 'list', '--json');
    expect(json.code).toBe(0);
    const clients = JSON.parse(json.stdout);
    expect(clients.map((c: { id: string }) => c.id)).toEqual([
      'amazon-alexa',
      'ma-auth-cli',
      'music-assistant',
    ]);
    expect(clients[0]).toEqual({
      id: 'amazon-alexa',
      name: 'Alexa skill',
      role: 'alexa',
      type: 'confidential',
      secret: 'hashed',
      redirect_uris: [ALEXA_REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      scopes: ['music.read', 'music.control'],
      require_pkce: false,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: expect.stringMatching(/Z$/),
    });
  });

  it('shows one client with its redirect URIs and active grants; never a secret or its hash', async () => {
    await insertAlexaGrant(install);
    const r = await cli('clients', 'show', 'amazon-alexa');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`redirect URIs  ${ALEXA_REDIRECT}`);
    expect(r.stdout).toContain('grants         1 active (ma-auth tokens list --client amazon-alexa)');
    const json = JSON.parse((await cli('clients', 'show', 'amazon-alexa', '--json')).stdout);
    expect(json).toMatchObject({ id: 'amazon-alexa', redirect_uris: [ALEXA_REDIRECT], active_grants: 1 });

    const shown = await everythingShown();
    expect(shown).not.toContain(install.alexa.clientSecret);
    expect(shown).not.toContain(install.musicAssistant.clientSecret);
    for (const hash of secretHashes()) expect(shown).not.toContain(hash);
    expect(shown).not.toMatch(/maa_(cs|rt|at)_/);
  });

  it('an unknown id → 1; a missing id → 2; nothing changed', async () => {
    const before = dumpStore(install);
    const unknown = await cli('clients', 'show', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no client "nobody" \(ma-auth clients list shows them\)/);
    expect((await cli('clients', 'show')).code).toBe(2);
    expect((await cli('clients', 'list', '--bogus')).code).toBe(2);
    expect(dumpStore(install)).toEqual(before);
  });
});

describe('clients add', () => {
  it('a confidential device client: the secret is printed once, stored only as a hash, and works at the listener', async () => {
    const r = await cli('clients', 'add', '--id', 'kitchen-speaker', '--name', 'Kitchen speaker');
    expect(r.code, r.stderr).toBe(0);
    const secret = r.stdout.match(/maa_cs_[A-Za-z0-9_-]{43}/)?.[0] as string;
    expect(secret).toBeDefined();
    expect(occurrences(r.stdout + r.stderr, secret)).toBe(1);
    expect(r.stdout).toContain('shown only this once');
    expect(r.stdout).toContain(`device authorization  ${install.baseUrl}/oauth/device_authorization`);

    expect(await storeBytes(install)).not.toContain(secret);
    const shown = await everythingShown();
    expect(shown).not.toContain(secret);
    expect(shown).toContain('kitchen-speaker  Kitchen speaker');
    expect(shown).toContain('device (confidential, secret stored as a hash)');

    listener = await startListener(install);
    const tokens = await deviceFlow(install, 'kitchen-speaker', secret);
    expect(tokens.refresh_token).toMatch(/^maa_rt_/);
    const wrong = await post(install, '/oauth/device_authorization', {
      client_id: 'kitchen-speaker',
      client_secret: `${secret}x`,
    });
    expect(wrong.body.error).toBe('invalid_client');
  });

  it('--public --json: no secret; one JSON object; the id alone pairs at the listener', async () => {
    const r = await cli('clients', 'add', '--id', 'script', '--public', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      event: 'client_added',
      client: { id: 'script', name: 'script', role: 'device', type: 'public', secret: 'none' },
      client_secret: null,
      token_endpoint: `${install.baseUrl}/alexa/token`,
    });
    listener = await startListener(install);
    expect((await deviceFlow(install, 'script', null)).access_token).toMatch(/^maa_at_/);
  });

  it('--json with a confidential client carries the secret once', async () => {
    const r = await cli('clients', 'add', '--id', 'speaker', '--json');
    const out = JSON.parse(r.stdout);
    expect(out.client_secret).toMatch(/^maa_cs_/);
    expect(occurrences(r.stdout, out.client_secret)).toBe(1);
    expect(await storeBytes(install)).not.toContain(out.client_secret);
  });

  it.each([
    ['no --id', 2, [], /--id is required/],
    ['an id with a space', 2, ['--id', 'a b'], /--id must be 1-128 printable/],
    [
      'a name with control characters',
      2,
      ['--id', 'ok', '--name', 'a\x1b[2Jb'],
      /--name must not contain control/,
    ],
    ['a taken id', 1, ['--id', 'music-assistant'], /a client "music-assistant" already exists/],
  ])('%s → %i, nothing changed', async (_name, exit, args, message) => {
    const before = dumpStore(install);
    const r = await cli('clients', 'add', ...(args as string[]));
    expect(r.code).toBe(exit);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toMatch(/maa_cs_/);
    expect(dumpStore(install)).toEqual(before);
  });
});

describe('clients remove', () => {
  it('revokes the client grants and removes it: its refresh token stops working at the listener', async () => {
    const added = JSON.parse((await cli('clients', 'add', '--id', 'speaker', '--json')).stdout);
    listener = await startListener(install);
    const tokens = await deviceFlow(install, 'speaker', added.client_secret);
    const auth = { client_id: 'speaker', client_secret: added.client_secret };
    expect((await refreshAt(install, tokens.refresh_token, auth)).status).toBe(200);

    const r = await cli('clients', 'remove', 'speaker', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      event: 'client_removed',
      client_id: 'speaker',
      revoked_grants: 1,
    });
    expect((await refreshAt(install, tokens.refresh_token, auth)).body.error).toBe('invalid_client');
    expect(sql(install, "SELECT * FROM grants WHERE client_id = 'speaker'")).toEqual([]);
    const kinds = (await withStore(install, (s) => s.listAudit({}))).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['grant_revoked', 'client_removed']));
    expect((await cli('clients', 'show', 'speaker')).code).toBe(1);
  });

  it('without a terminal and without --yes: usage error 2, nothing changed', async () => {
    await cli('clients', 'add', '--id', 'speaker', '--public');
    const before = dumpStore(install);
    const r = await cli('clients', 'remove', 'speaker');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/without a terminal to ask on, confirm with --yes/);
    expect((await cli('clients', 'remove', 'speaker', '--json')).code).toBe(2);
    expect(dumpStore(install)).toEqual(before);
  });

  it.each([
    ['ma-auth-cli', [], /ma-auth link uses it to create pairing codes/],
    ['music-assistant', ['--force'], /check every Alexa token \(introspection\)/],
    ['amazon-alexa', [], /Removing it unlinks Alexa[\s\S]*--force/],
    ['nobody', [], /no client "nobody"/],
  ])('refuses %s (exit 1, explains, nothing changed)', async (id, extra, message) => {
    const before = dumpStore(install);
    const r = await cli('clients', 'remove', id, '--yes', ...extra);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Nothing was changed.');
    expect(dumpStore(install)).toEqual(before);
  });

  it('removes the Alexa client with --force: Alexa refresh fails at the listener', async () => {
    const grant = await insertAlexaGrant(install);
    listener = await startListener(install);
    expect((await refreshAt(install, grant.refreshToken, {}, alexaAuth(install))).status).toBe(200);
    const r = await cli('clients', 'remove', 'amazon-alexa', '--force', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/revoked 1 grant\.\nAlexa is unlinked/);
    expect((await refreshAt(install, grant.refreshToken, {}, alexaAuth(install))).status).toBe(401);
  });
});

describe('clients rotate-secret', () => {
  it('Alexa: the new secret is printed once; the old one fails and the new one works at the listener; grants survive', async () => {
    const grant = await insertAlexaGrant(install);
    listener = await startListener(install);
    expect((await refreshAt(install, grant.refreshToken, {}, alexaAuth(install))).status).toBe(200);

    const r = await cli('clients', 'rotate-secret', 'amazon-alexa');
    expect(r.code, r.stderr).toBe(0);
    const secret = r.stdout.match(/maa_cs_[A-Za-z0-9_-]{43}/)?.[0] as string;
    expect(occurrences(r.stdout + r.stderr, secret)).toBe(1);
    expect(r.stdout).toMatch(/Alexa developer console/);
    expect(r.stdout).not.toContain(install.alexa.clientSecret);

    const old = await refreshAt(install, grant.refreshToken, {}, alexaAuth(install));
    expect(old.status).toBe(401);
    expect(old.body.error).toBe('invalid_client');
    const fresh = await refreshAt(install, grant.refreshToken, {}, alexaAuth(install, secret));
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    expect(fresh.body.access_token).toMatch(/^maa_at_/);
    expect(await storeBytes(install)).not.toContain(secret);
    expect(await everythingShown()).not.toContain(secret);
  });

  it('music-assistant: rewrites its 0600 secret file and says so; introspection takes only the new secret', async () => {
    const grant = await insertAlexaGrant(install);
    listener = await startListener(install);
    const introspect = (secret: string) =>
      post(install, '/oauth/introspect', { token: grant.accessToken }, basic('music-assistant', secret));
    expect((await introspect(install.musicAssistant.clientSecret)).body.active).toBe(true);

    const r = await cli('clients', 'rotate-secret', 'music-assistant', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const file = `${install.home}/config/music-assistant-client.secret`;
    expect(out).toEqual({
      event: 'secret_rotated',
      client_id: 'music-assistant',
      client_secret: expect.stringMatching(/^maa_cs_/),
      secret_file: file,
    });
    expect((await readFile(file, 'utf8')).trim()).toBe(out.client_secret);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    expect((await introspect(install.musicAssistant.clientSecret)).status).toBe(401);
    expect((await introspect(out.client_secret)).body.active).toBe(true);

    const text = await cli('clients', 'rotate-secret', 'music-assistant');
    expect(text.stdout).toContain(`Rewrote ${file} (mode 0600)`);
  });

  it.each([
    ['ma-auth-cli', /derived from the data key \(HKDF\)/],
    ['script', /is a public client: it has no secret/],
    ['nobody', /no client "nobody"/],
  ])('refuses %s (exit 1, explains, nothing changed)', async (id, message) => {
    await cli('clients', 'add', '--id', 'script', '--public');
    const before = dumpStore(install);
    const r = await cli('clients', 'rotate-secret', id);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toMatch(/maa_cs_/);
    expect(dumpStore(install)).toEqual(before);
  });
});

describe('clients redirect-uris', () => {
  const LAYLA = 'https://layla.amazon.com/api/skill/link/M2ABCDEFGH';
  const authorizeStatus = async (redirectUri: string) => {
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: install.alexa.clientId,
      redirect_uri: redirectUri,
      state: 'st',
      scope: 'music.read music.control',
    });
    const res = await fetch(`${install.baseUrl}/alexa/authorize?${q}`, { redirect: 'manual' });
    await res.arrayBuffer();
    return res.status;
  };

  it('shows, adds and removes exactly; the listener matches the new list exactly', async () => {
    const shown = await cli('clients', 'redirect-uris', 'amazon-alexa');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`  ${ALEXA_REDIRECT}`);

    listener = await startListener(install);
    expect(await authorizeStatus(LAYLA)).toBe(400);
    const added = await cli('clients', 'redirect-uris', 'amazon-alexa', '--add', LAYLA);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(`Added    ${LAYLA}`);
    expect(await authorizeStatus(LAYLA)).toBe(200);
    expect(await authorizeStatus(`${LAYLA}/`)).toBe(400);

    const removed = await cli(
      'clients',
      'redirect-uris',
      'amazon-alexa',
      '--remove',
      ALEXA_REDIRECT,
      '--json',
    );
    expect(JSON.parse(removed.stdout)).toEqual({
      client_id: 'amazon-alexa',
      redirect_uris: [LAYLA],
      added: [],
      removed: [ALEXA_REDIRECT],
    });
    expect(await authorizeStatus(ALEXA_REDIRECT)).toBe(400);
  });

  it.each([
    ['http', 2, ['--add', 'http://layla.amazon.com/api/skill/link/M2ABCDEFGH'], /must use https/],
    ['a fragment', 2, ['--add', `${LAYLA}#x`], /must not contain a fragment/],
    [
      'the same URI in --add and --remove',
      2,
      ['--add', LAYLA, '--remove', LAYLA],
      /both in --add and in --remove/,
    ],
    [
      'removing an unregistered URI',
      1,
      ['--remove', `${ALEXA_REDIRECT}/`],
      /is not registered .* must match exactly/,
    ],
    ['removing the last URI', 1, ['--remove', ALEXA_REDIRECT], /needs at least one redirect URI/],
  ])('refuses %s (exit %i, nothing changed)', async (_name, exit, args, message) => {
    const before = dumpStore(install);
    const r = await cli('clients', 'redirect-uris', 'amazon-alexa', ...(args as string[]));
    expect(r.code).toBe(exit);
    expect(r.stderr).toMatch(message);
    expect(dumpStore(install)).toEqual(before);
  });

  it('refuses a client without redirect URIs and an unknown client (1)', async () => {
    const cliClient = await cli('clients', 'redirect-uris', 'ma-auth-cli', '--add', LAYLA);
    expect(cliClient.code).toBe(1);
    expect(cliClient.stderr).toMatch(/not the Alexa client/);
    expect((await cli('clients', 'redirect-uris', 'nobody')).code).toBe(1);
  });
});

describe('clients remove in a real terminal (tmux)', () => {
  let term: Terminal | undefined;
  afterEach(async () => {
    await term?.close();
    term = undefined;
  });

  it.each([
    ['n', 'Nothing was changed.', 1],
    ['y', 'Removed speaker (Speaker); revoked 0 grants.', 0],
  ])('asks first; "%s" → %s', async (answer, message, remaining) => {
    await cli('clients', 'add', '--id', 'speaker', '--name', 'Speaker', '--public');
    term = await openTerminal([process.execPath, BIN, 'clients', 'remove', 'speaker'], {
      ...install.env,
      TERM: 'xterm-256color',
    });
    const screen = await term.waitFor('Remove speaker (Speaker)?');
    expect(screen).toContain('revokes its 0 active grants');
    await term.type(answer);
    await term.press('Enter');
    await term.waitFor(message);
    expect(await term.exitCode()).toBe(0);
    expect(sql(install, "SELECT id FROM clients WHERE id = 'speaker'")).toHaveLength(remaining);
  });
});

describe('clients help', () => {
  it('every verb has --help with examples and exit codes, exit 0; the top-level help lists link and clients', async () => {
    for (const verb of ['list', 'show', 'add', 'remove', 'rotate-secret', 'redirect-uris']) {
      const r = await cli('clients', verb, '--help');
      expect(r.code, verb).toBe(0);
      expect(r.stdout, verb).toMatch(/Examples:\n {2}\$ ma-auth clients /);
    }
    const group = await cli('clients', '--help');
    expect(group.stdout).toMatch(/Exit codes: 0 done, 1 no such client/);
    const top = await cli('--help');
    expect(top.stdout).toMatch(/Start here:[\s\S]*\$ ma-auth link {5}link your Alexa account/);
    expect(top.stdout).toMatch(/\n {2}clients +List and manage OAuth clients/);
  });
});
