/**
 * Shared by the backup, restore and rotate-key tests: real installs (`ma-auth
 * init`), stores populated through the real protocol core, a logical dump of
 * a store (every table, sealed values opened), token checks through
 * store.findToken, and bulk stores for the large and random-crash tests.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Agent, fetch as undiciFetch } from 'undici';
import { open as openSealed, seal } from '../../src/crypto/aead.js';
import { sha256Hex } from '../../src/crypto/hash.js';
import { tokenHash } from '../../src/crypto/token-hash.js';
import { type DataKey, decodeKey } from '../../src/keys/data-key.js';
import { authorize } from '../../src/oauth/authorize.js';
import { CLI_CLIENT_ID, cliClientSecret, GRANT_TYPES } from '../../src/oauth/builtin-clients.js';
import { decideConsent } from '../../src/oauth/consent.js';
import type { OAuthDeps, RequestMeta } from '../../src/oauth/context.js';
import { decideDeviceAuthorization } from '../../src/oauth/device-approval.js';
import { deviceAuthorization } from '../../src/oauth/device-authorization.js';
import { isActive } from '../../src/oauth/introspect.js';
import { token } from '../../src/oauth/token.js';
import { SEALED } from '../../src/store/sqlite/sealed-fields.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { type CliResult, cleanEnv } from '../support/cli.js';
import { freePort, type Install, initArgs, installFromInit } from '../support/install.js';
import { ROOT } from '../support/paths.js';

export const PASSPHRASE = 'correct horse battery staple';
export const META: RequestMeta = { address: '203.0.113.7', userAgent: 'OpsTest/1.0' };
const SCOPE = 'music.read music.control';

export function keyFile(install: Install): string {
  return join(install.home, 'config', 'data.key');
}
export function stagedFile(install: Install): string {
  return join(install.home, 'config', 'data.key.staged');
}
export function backupDir(install: Install): string {
  return join(install.home, 'data', 'backups');
}

export async function installKey(install: Install): Promise<DataKey> {
  return decodeKey(await readFile(keyFile(install), 'utf8'));
}

export async function withStore<T>(
  install: Install,
  fn: (store: SqliteStore, deps: OAuthDeps) => Promise<T>,
  key?: DataKey,
): Promise<T> {
  const k = key ?? (await installKey(install));
  const store = await SqliteStore.open({ file: install.storeFile, key: k });
  try {
    return await fn(store, {
      store,
      key: k,
      now: Date.now,
      settings: { publicUrl: install.baseUrl, accessTokenTtl: 3600, refreshIdleTtl: 180 * 24 * 3600 },
    });
  } finally {
    await store.close();
  }
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export interface Population {
  /** Tokens (plain) that are active: access and refresh tokens of every live grant. */
  readonly activeTokens: readonly string[];
  /** The Alexa link's current tokens. */
  readonly alexa: { readonly accessToken: string; readonly refreshToken: string };
  /** A pairing waiting for its code (a device authorization of the CLI client). */
  readonly pendingUserCode: string;
}

/**
 * Everything the store can hold, made by the real protocol core: Alexa links
 * (pairing + consent + code exchange + a refresh), a device client paired
 * through `approve`, a pairing still waiting, a consent request still open, a
 * wrong pairing code (an attempt counter), audit events.
 */
export async function populate(install: Install, links = 2): Promise<Population> {
  return withStore(install, async (store, deps) => {
    const active: string[] = [];
    const alexaAuth = basic(install.alexa.clientId, install.alexa.clientSecret);
    let alexa = { accessToken: '', refreshToken: '' };
    for (let i = 0; i < links; i++) {
      const pairing = await deviceAuthorization(
        { body: { client_id: CLI_CLIENT_ID, client_secret: cliClientSecret(deps.key), scope: SCOPE } },
        deps,
        META,
      );
      const view = await authorize(
        {
          response_type: 'code',
          client_id: install.alexa.clientId,
          redirect_uri: install.alexa.redirectUri,
          state: `state-${i}`,
          scope: SCOPE,
        },
        deps,
        META,
      );
      const outcome = await decideConsent(
        {
          requestId: view.requestId,
          csrfToken: view.csrfToken,
          action: 'approve',
          userCode: pairing.user_code,
        },
        deps,
        META,
      );
      if (outcome.kind !== 'redirect') throw new Error(`consent did not redirect: ${outcome.kind}`);
      const code = new URL(outcome.location).searchParams.get('code') as string;
      const first = await token(
        {
          authorization: alexaAuth,
          body: { grant_type: 'authorization_code', code, redirect_uri: install.alexa.redirectUri },
        },
        deps,
        META,
      );
      const second = await token(
        {
          authorization: alexaAuth,
          body: { grant_type: 'refresh_token', refresh_token: first.refresh_token as string },
        },
        deps,
        META,
      );
      alexa = { accessToken: second.access_token, refreshToken: second.refresh_token as string };
      active.push(first.access_token, second.access_token, second.refresh_token as string);
    }

    // A third-party device paired with `ma-auth approve`.
    const deviceSecret = `maa_cs_${randomBytes(32).toString('base64url')}`;
    const deviceId = (await store.getClient('kitchen-speaker'))
      ? `speaker-${randomBytes(3).toString('hex')}`
      : 'kitchen-speaker';
    await store.addClient(
      {
        id: deviceId,
        name: 'Kitchen speaker',
        role: 'device',
        type: 'confidential',
        secretHash: sha256Hex(deviceSecret),
        redirectUris: [],
        grantTypes: [GRANT_TYPES.deviceCode, GRANT_TYPES.refreshToken],
        scopes: ['music.read', 'music.control'],
        requirePkce: false,
      },
      Date.now(),
    );
    const deviceAuth = { client_id: deviceId, client_secret: deviceSecret };
    const started = await deviceAuthorization({ body: { ...deviceAuth, scope: SCOPE } }, deps, META);
    await decideDeviceAuthorization(deps, { userCode: started.user_code, approve: true });
    const device = await token(
      { body: { ...deviceAuth, grant_type: GRANT_TYPES.deviceCode, device_code: started.device_code } },
      deps,
      META,
    );
    active.push(device.access_token, device.refresh_token as string);

    // Still in flight: a pairing waiting for its code, a consent page open, a wrong code tried.
    const pending = await deviceAuthorization(
      { body: { client_id: CLI_CLIENT_ID, client_secret: cliClientSecret(deps.key), scope: SCOPE } },
      deps,
      META,
    );
    const open = await authorize(
      {
        response_type: 'code',
        client_id: install.alexa.clientId,
        redirect_uri: install.alexa.redirectUri,
        state: 'still open',
        scope: SCOPE,
      },
      deps,
      META,
    );
    await decideConsent(
      { requestId: open.requestId, csrfToken: open.csrfToken, action: 'approve', userCode: 'BCDF-GHJK' },
      deps,
      META,
    ).catch(() => {});
    await store.appendAudit({
      at: Date.now(),
      kind: 'test.marker',
      severity: 'info',
      clientId: null,
      grantId: null,
      detail: { address: '198.51.100.9', note: 'sealed detail' },
    });
    return { activeTokens: active, alexa, pendingUserCode: pending.user_code };
  });
}

/** How many of these tokens the store holds as active (store.findToken + the introspection rule). */
export async function countActive(
  install: Install,
  tokens: readonly string[],
  key?: DataKey,
): Promise<number> {
  return withStore(
    install,
    async (store) => {
      let n = 0;
      const now = Date.now();
      for (const t of tokens) {
        const found = await store.findToken(tokenHash(t));
        if (found && isActive(found, now)) n++;
      }
      return n;
    },
    key,
  );
}

export type Dump = Record<string, string[]>;

/**
 * The logical content of a store: every row of every table as canonical JSON
 * (sorted, so row order and rowids do not matter), each sealed column replaced
 * by what it opens to. Equal dumps mean the same data, whatever key sealed it.
 */
export function logicalDump(file: string, key: DataKey): Dump {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const tables = (
      db
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
        )
        .all() as { name: string }[]
    ).map((r) => r.name);
    const dump: Dump = {};
    for (const table of tables) {
      const sealed = Object.values(SEALED).filter((f) => f.table === table);
      const rows = db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[];
      dump[table] = rows
        .map((row) => {
          const out: Record<string, unknown> = { ...row };
          for (const f of sealed) {
            if ('metaName' in f && row.name !== f.metaName) continue;
            const value = row[f.column];
            if (typeof value === 'string')
              out[f.column] = `opened:${openSealed(key, value, f.context).toString('utf8')}`;
          }
          return JSON.stringify(out, Object.keys(out).sort());
        })
        .sort();
    }
    const seq = db.prepare(`SELECT name, seq FROM sqlite_sequence ORDER BY name`).all();
    dump.sqlite_sequence = seq.map((r) => JSON.stringify(r));
    return dump;
  } finally {
    db.close();
  }
}

/**
 * What a dump becomes when the store is re-sealed under another key: pending
 * pairings expire (their keyed code hash cannot be recomputed) and attempt
 * counters go (src/store/sqlite/reseal.ts).
 */
export function afterKeyChange(dump: Dump): { pendingPairings: number; attemptCounters: number } {
  const pending = (dump.device_authorizations ?? []).filter((r) => JSON.parse(r).status === 'pending').length;
  return { pendingPairings: pending, attemptCounters: (dump.attempt_counters ?? []).length };
}

/** A dump without what a key change legitimately alters, for comparing across keys. */
export function keyIndependent(dump: Dump): Dump {
  const out: Dump = { ...dump };
  out.attempt_counters = [];
  out.device_authorizations = (dump.device_authorizations ?? []).map((r) => {
    const row = JSON.parse(r) as Record<string, unknown>;
    if (row.status === 'pending') row.expires_at = 'expired-or-live';
    return JSON.stringify(row, Object.keys(row).sort());
  });
  out.device_authorizations.sort();
  return out;
}

export async function fileSha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** A second install at another home and port, as a copy of this one (files only). */
export async function copyInstall(install: Install): Promise<Install> {
  const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-ops-copy-'));
  const home = join(tmp, 'home');
  await cp(install.home, home, { recursive: true });
  return {
    ...install,
    home,
    env: { ...install.env, MA_AUTH_HOME: home, HOME: tmp },
    storeFile: join(home, 'data', 'ma-auth.db'),
  };
}

/**
 * A private copy of the built CLI (bin/, dist/, package.json; node_modules
 * linked), made once per test file: these tests start hundreds of CLI
 * processes over minutes, and must not pick up a dist/ that another test run
 * is rebuilding meanwhile.
 */
let privateBin: Promise<string> | null = null;
export function cliBin(): Promise<string> {
  privateBin ??= (async () => {
    for (let attempt = 1; ; attempt++) {
      const root = await mkdtemp(join(tmpdir(), 'ma-auth-bin-'));
      await cp(join(ROOT, 'dist'), join(root, 'dist'), { recursive: true });
      await cp(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
      await cp(join(ROOT, 'package.json'), join(root, 'package.json'));
      await symlink(join(ROOT, 'node_modules'), join(root, 'node_modules'));
      const bin = join(root, 'bin', 'ma-auth.js');
      const ok = await new Promise<boolean>((resolve) => {
        const child = spawn(process.execPath, [bin, 'rotate-key', '--help'], { stdio: 'ignore' });
        child.on('close', (code) => resolve(code === 0));
      });
      if (ok) {
        process.once('exit', () => rmSync(root, { recursive: true, force: true }));
        return bin;
      }
      await rm(root, { recursive: true, force: true });
      if (attempt >= 5) throw new Error('could not copy a working build of the CLI');
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  return privateBin;
}

/** `ma-auth init` in a temp MA_AUTH_HOME, as test/support/install.ts does, with the private CLI copy. */
export async function freshInstall(): Promise<Install> {
  const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-ops-'));
  const home = join(tmp, 'home');
  const env = cleanEnv({ MA_AUTH_HOME: home, HOME: tmp });
  const port = await freePort();
  const init = await cli({ home, env } as Install, initArgs(port));
  return installFromInit({ home, env, port }, init);
}

export async function removeInstall(install: Install): Promise<void> {
  await rm(join(install.home, '..'), { recursive: true, force: true });
}

export { freePort };

/** The CLI as a child, with stdin and extra environment; `signal` when it was killed. */
export function cli(
  install: Install,
  args: string[],
  options: { input?: string; env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<CliResult & { signal: NodeJS.Signals | null; ms: number }> {
  return cliBin().then((bin) => runChild(bin, install, args, options));
}

function runChild(
  bin: string,
  install: Install,
  args: string[],
  options: { input?: string; env?: Record<string, string>; nodeArgs?: string[] },
): Promise<CliResult & { signal: NodeJS.Signals | null; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], {
      env: { ...install.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
    child.stdin.end(options.input ?? '');
  });
}

/** The CLI as a child that the test kills after `delayMs` (SIGKILL), unless it ended first. */
export function cliKilledAfter(
  install: Install,
  args: string[],
  delayMs: number,
  input?: string,
): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  return cliBin().then((bin) => killedAfter(bin, install, args, delayMs, input));
}

function killedAfter(
  bin: string,
  install: Install,
  args: string[],
  delayMs: number,
  input: string | undefined,
): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: install.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** Deterministic plain tokens for bulk stores, so a sample can be checked later. */
export function bulkToken(kind: 'at' | 'rt', i: number): string {
  return `maa_${kind}_${createHash('sha256').update(`bulk-${kind}-${i}`).digest('base64url')}`;
}

/**
 * A large store, fast: `grants` grants for the Alexa client, each with a
 * refresh and an access token, and one sealed audit event per 5 grants — in
 * one transaction of direct SQL (the shape the store methods write).
 */
export function bulkPopulate(install: Install, key: DataKey, grants: number, from = 0): void {
  const db = new DatabaseSync(install.storeFile, { timeout: 10_000 });
  try {
    const now = Date.now();
    const owner = (db.prepare(`SELECT value FROM meta WHERE name = 'owner_id'`).get() as { value: string })
      .value;
    const grant = db.prepare(
      `INSERT INTO grants (id, client_id, owner_id, scope, origin, created_at, last_used_at) VALUES (?, ?, ?, ?, 'authorization_code', ?, ?)`,
    );
    const tok = db.prepare(
      `INSERT INTO tokens (hash, kind, grant_id, scope, generation, seq, created_at, expires_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)`,
    );
    const audit = db.prepare(
      `INSERT INTO audit_events (at, kind, severity, client_id, grant_id, detail_sealed) VALUES (?, 'token.issued', 'info', ?, ?, ?)`,
    );
    db.exec('BEGIN');
    for (let i = from; i < from + grants; i++) {
      const id = `bulk-grant-${i}`;
      grant.run(id, install.alexa.clientId, owner, SCOPE, now, now);
      // Keyed by (grant, generation, seq), the hash as its 32 bytes (migration 4).
      tok.run(
        Buffer.from(tokenHash(bulkToken('rt', i)), 'hex'),
        'refresh',
        id,
        SCOPE,
        1,
        now,
        now + 180 * 24 * 3600 * 1000,
      );
      tok.run(
        Buffer.from(tokenHash(bulkToken('at', i)), 'hex'),
        'access',
        id,
        SCOPE,
        2,
        now,
        now + 3600 * 1000,
      );
      if (i % 5 === 0) {
        const detail = seal(
          key,
          JSON.stringify({ address: `10.0.${i % 250}.${i % 200}`, i }),
          SEALED.auditDetail.context,
        );
        audit.run(now, install.alexa.clientId, id, detail);
      }
    }
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}

/** A sample of the bulk tokens (every `step`-th grant's pair). */
export function bulkSample(grants: number, step: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < grants; i += step) out.push(bulkToken('rt', i), bulkToken('at', i));
  return out;
}

export function envFor(install: Install, extra: Record<string, string>): Record<string, string> {
  return cleanEnv({ ...install.env, ...extra });
}

export interface SteadyResult {
  readonly requests: number;
  readonly failures: readonly string[];
}

/**
 * A client that never stops: a refresh every `intervalMs` (from a rotating set
 * of loopback addresses, as Alexa's many servers would, so the per-address
 * rate limit is not what is measured) and an introspection by Music Assistant
 * of the access token it got. Any answer other than success is a failure:
 * a status other than 200, a token response without tokens, `active: false`.
 *
 * `rotate`: present each new refresh token (a client that stores rotations)
 * and introspect each new access token; otherwise keep presenting the first
 * refresh token (a client that does not — still valid, DESIGN.md "Refresh")
 * and introspect the first access token: both stay valid in a backup taken
 * after they were issued, which is what a restore test needs.
 */
export function steadyClient(
  install: Install,
  start: { refreshToken: string; accessToken: string },
  options: { rotate: boolean; intervalMs?: number },
): { stop(): Promise<SteadyResult>; requests(): number } {
  const agents = Array.from({ length: 12 }, (_, i) => new Agent({ localAddress: `127.0.1.${i + 2}` }));
  const alexa = basic(install.alexa.clientId, install.alexa.clientSecret);
  const ma = basic(install.musicAssistant.clientId, install.musicAssistant.clientSecret);
  let refreshToken = start.refreshToken;
  let accessToken = start.accessToken;
  let requests = 0;
  let stopped = false;
  const failures: string[] = [];
  const post = async (path: string, auth: string, form: Record<string, string>) => {
    const agent = agents[requests % agents.length];
    requests++;
    const res = await undiciFetch(`${install.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      dispatcher: agent,
    });
    const text = await res.text();
    return { status: res.status, text };
  };
  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      try {
        const r = await post('/alexa/token', alexa, {
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
        });
        const body = r.status === 200 ? (JSON.parse(r.text) as Record<string, string>) : null;
        if (!body?.access_token || !body.refresh_token) failures.push(`refresh: ${r.status} ${r.text}`);
        else if (options.rotate) {
          accessToken = body.access_token;
          refreshToken = body.refresh_token;
        }
        const i = await post('/oauth/introspect', ma, { token: accessToken });
        if (i.status !== 200 || JSON.parse(i.text).active !== true)
          failures.push(`introspect: ${i.status} ${i.text}`);
      } catch (err) {
        failures.push(`request failed: ${(err as Error).message}`);
      }
      const wait = (options.intervalMs ?? 40) - (Date.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    requests: () => requests,
    async stop() {
      stopped = true;
      await loop;
      await Promise.all(agents.map((a) => a.close()));
      return { requests, failures };
    },
  };
}

export type Outcome = 'crashed' | 'finished';

/**
 * Runs `args` on a fresh copy of `template` with MA_AUTH_TEST_CRASH_AFTER_STEP
 * = 1, 2, 3 … — a real SIGKILL at each crash point in turn — until a run gets
 * through them all; `check` inspects every copy afterwards. Returns how many
 * runs were killed.
 */
export async function crashAtEveryPoint(
  template: Install,
  args: (copy: Install) => string[],
  check: (copy: Install, outcome: Outcome) => Promise<void>,
  input?: string,
): Promise<number> {
  for (let n = 1; n <= 1000; n++) {
    const copy = await copyInstall(template);
    try {
      const r = await cli(copy, args(copy), {
        env: { MA_AUTH_TEST_CRASH_AFTER_STEP: String(n) },
        ...(input === undefined ? {} : { input }),
      });
      if (r.signal === 'SIGKILL') {
        await check(copy, 'crashed');
        continue;
      }
      if (r.code !== 0) throw new Error(`run ${n} failed (${r.code}): ${r.stderr}`);
      await check(copy, 'finished');
      return n - 1;
    } finally {
      await removeInstall(copy);
    }
  }
  throw new Error('never got through all crash points');
}

/**
 * Runs `args` on fresh copies of `template`, each SIGKILLed by the test after
 * a random delay within `spanMs` (some runs finish first). Returns how many
 * were killed mid-way.
 */
export async function crashAtRandomMoments(
  template: Install,
  args: (copy: Install) => string[],
  runs: number,
  spanMs: number,
  check: (copy: Install, outcome: Outcome) => Promise<void>,
  input?: string,
): Promise<number> {
  let killed = 0;
  for (let i = 0; i < runs; i++) {
    const copy = await copyInstall(template);
    try {
      const r = await cliKilledAfter(copy, args(copy), Math.random() * spanMs, input);
      if (r.signal === 'SIGKILL') killed++;
      else if (r.code !== 0) throw new Error(`run ${i} failed (${r.code}): ${r.stderr}`);
      await check(copy, r.signal === 'SIGKILL' ? 'crashed' : 'finished');
    } finally {
      await removeInstall(copy);
    }
  }
  return killed;
}

/** An install whose key lives in the environment: MA_AUTH_KEY, or a file named by MA_AUTH_KEY_FILE. */
export async function envKeyInstall(
  base: Install,
  how: 'MA_AUTH_KEY' | 'MA_AUTH_KEY_FILE',
): Promise<Install> {
  const install = await copyInstall(base);
  const text = (await readFile(keyFile(install), 'utf8')).trim();
  const configFile = join(install.home, 'config', 'config.json');
  const config = JSON.parse(await readFile(configFile, 'utf8'));
  await writeFile(configFile, JSON.stringify({ ...config, keyStore: 'env' }));
  if (how === 'MA_AUTH_KEY') {
    await rm(keyFile(install));
    return { ...install, env: { ...install.env, MA_AUTH_KEY: text } };
  }
  const secrets = join(install.home, '..', 'secrets');
  await mkdir(secrets, { recursive: true });
  const file = join(secrets, 'ma-auth-key');
  await rename(keyFile(install), file);
  return { ...install, env: { ...install.env, MA_AUTH_KEY_FILE: file } };
}
