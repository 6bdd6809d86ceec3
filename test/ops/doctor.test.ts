/**
 * `ma-auth doctor` against a real install and listener: clean (exit 0) when
 * healthy; each fault a test introduces — stopped listener, wrong key, bad
 * permissions, legacy files, non-Amazon redirect URI, bad public URL, invalid
 * config, unreviewed critical event, clock gone back, corrupted store page —
 * makes it exit 9 and print that fault's fix.
 */
import { chmod, mkdtemp, open, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeKey, encodeKey, fingerprint, generateDataKey } from '../../src/keys/data-key.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runCli } from '../support/cli.js';
import { createTestInstall, type Install, type Listener, startListener } from '../support/install.js';

interface Report {
  ok: boolean;
  problems: number;
  warnings: number;
  checks: { id: string; title: string; status: string; summary: string; fix?: string }[];
}

let install: Install;
let listener: Listener | undefined;
let env: Record<string, string>;
let configFile: string;
let keyFile: string;

beforeAll(async () => {
  // An https public URL (Alexa's requirement) on the port the listener binds.
  install = await createTestInstall(['--public-url', 'https://ma.example.test']);
  // Hermetic: no legacy server search in this machine's /data or /config.
  env = { ...install.env, MA_AUTH_LEGACY_DIRS: '' };
  configFile = join(install.home, 'config', 'config.json');
  keyFile = join(install.home, 'config', 'data.key');
  listener = await startListener(install);
});
afterAll(async () => {
  await listener?.stop();
});

async function doctor(extraEnv: Record<string, string> = {}) {
  const r = await runCli(['doctor', '--json'], { ...env, ...extraEnv });
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`doctor printed no report (exit ${r.code}):\n${r.stderr}`);
  }
  const check = (id: string) => {
    const found = report.checks.find((c) => c.id === id);
    if (!found) throw new Error(`no check ${id}`);
    return found;
  };
  return { code: r.code, stderr: r.stderr, report, check };
}

/** Exit 9, the named check is the problem, and its fix says `fix`. */
async function expectProblem(id: string, fix: RegExp | string, extraEnv: Record<string, string> = {}) {
  const d = await doctor(extraEnv);
  expect(d.code, JSON.stringify(d.report, null, 2)).toBe(9);
  expect(d.report.ok).toBe(false);
  const c = d.check(id);
  expect(c.status, JSON.stringify(c)).toBe('problem');
  if (typeof fix === 'string') expect(c.fix).toContain(fix);
  else expect(c.fix).toMatch(fix);
  return d;
}

async function withStore<T>(fn: (store: SqliteStore) => Promise<T>): Promise<T> {
  const key = decodeKey(await readFile(keyFile, 'utf8'));
  const store = await SqliteStore.open({ file: install.storeFile, key });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('ma-auth doctor', () => {
  it('is clean on a healthy install with a running listener (exit 0)', async () => {
    const d = await doctor();
    expect(d.code, JSON.stringify(d.report, null, 2)).toBe(0);
    expect(d.report).toMatchObject({ ok: true, problems: 0 });
    expect(d.report.checks.map((c) => c.id)).toEqual([
      'config',
      'key',
      'store',
      'listener',
      'public-url',
      'redirect-uris',
      'clock',
      'permissions',
      'legacy',
      'security-events',
    ]);
    for (const c of d.report.checks) expect(['ok', 'warning'], `${c.id}: ${c.summary}`).toContain(c.status);
    expect(d.check('store').summary).toContain('integrity check passed');
    expect(d.check('listener').summary).toMatch(/^answering on 127\.0\.0\.1:\d+ \(ma-auth /);

    const text = await runCli(['doctor'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ok +config +/m);
    expect(text.stdout).not.toContain('PROBLEM');
    expect(text.stdout).toMatch(/^No problems found/m);
  });

  it('finds a stopped listener', async () => {
    await listener?.stop();
    listener = undefined;
    const d = await expectProblem('listener', 'ma-auth serve --detach');
    expect(d.check('listener').summary).toMatch(
      /no ma-auth listener answers on http:\/\/127\.0\.0\.1:\d+\/health/,
    );
    const text = await runCli(['doctor'], env);
    expect(text.code).toBe(9);
    expect(text.stdout).toMatch(/^PROBLEM +listener +no ma-auth listener answers/m);
    expect(text.stdout).toMatch(/^ +fix: Start it: ma-auth serve --detach/m);
    expect(text.stderr).toContain('error: 1 problem found');
    listener = await startListener(install);
  });

  it('finds a wrong data key, naming the fingerprint of the right one', async () => {
    const right = fingerprint(decodeKey(await readFile(keyFile, 'utf8')));
    const wrong = encodeKey(generateDataKey());
    const d = await expectProblem('key', `Find the key with fingerprint ${right}`, { MA_AUTH_KEY: wrong });
    expect(d.check('key').summary).toMatch(
      /^the key from environment variable MA_AUTH_KEY \(fingerprint .*\) is not the key that sealed the store/,
    );
    expect(d.check('store').status).toBe('ok');
  });

  it('finds a missing key', async () => {
    const d = await expectProblem('key', 'MA_AUTH_KEY_FILE', {
      MA_AUTH_KEY_FILE: join(tmpdir(), 'no-such-key'),
    });
    expect(d.check('key').summary).toContain('file does not exist');
  });

  it('finds wrong permissions on the key file and the data dir', async () => {
    const dataDir = join(install.home, 'data');
    await chmod(keyFile, 0o644);
    await chmod(dataDir, 0o755);
    try {
      const d = await expectProblem('permissions', `chmod 600 ${keyFile}`);
      expect(d.check('permissions').fix).toContain(`chmod 700 ${dataDir}`);
      expect(d.check('permissions').summary).toContain(`${keyFile} is 0644 (want 0600)`);
      // The key source refuses a readable key file, and says how to fix it.
      expect(d.check('key')).toMatchObject({ status: 'problem', fix: `chmod 600 ${keyFile}` });
    } finally {
      await chmod(keyFile, 0o600);
      await chmod(dataDir, 0o700);
    }
  });

  it("finds a legacy server's files that were not migrated", async () => {
    const legacy = await mkdtemp(join(tmpdir(), 'ma-auth-legacy-'));
    const file = join(legacy, 'oauth_clients.json');
    await writeFile(file, JSON.stringify({ 'amazon-alexa': { redirect_uris: [] } }));
    const d = await expectProblem('legacy', `ma-auth migrate --from legacy-dump.json --clients ${file}`, {
      MA_AUTH_LEGACY_DIRS: legacy,
    });
    expect(d.check('legacy').summary).toContain(file);
  });

  it('finds a redirect URI that is not in Amazon form', async () => {
    const bad = 'https://example.com/callback';
    const id = install.alexa.clientId;
    await withStore((s) =>
      s.updateClient(id, { redirectUris: [install.alexa.redirectUri, bad] }, Date.now()),
    );
    try {
      const d = await expectProblem('redirect-uris', `ma-auth clients redirect-uris ${id} --remove ${bad}`);
      expect(d.check('redirect-uris').summary).toContain(bad);
    } finally {
      await withStore((s) => s.updateClient(id, { redirectUris: [install.alexa.redirectUri] }, Date.now()));
    }
  });

  it('finds a public URL Alexa will not call, and an invalid config', async () => {
    const original = await readFile(configFile, 'utf8');
    try {
      await writeFile(
        configFile,
        JSON.stringify({ ...JSON.parse(original), publicUrl: 'https://ma.example.test:8443' }),
      );
      const port = await expectProblem('public-url', 'Set "publicUrl" in');
      expect(port.check('public-url').summary).toContain('Alexa only calls https on port 443');

      await writeFile(
        configFile,
        JSON.stringify({ ...JSON.parse(original), publicUrl: 'http://ma.example.test' }),
      );
      const http = await expectProblem('public-url', 'Set "publicUrl" in');
      expect(http.check('public-url').summary).toContain('must use https');

      await writeFile(configFile, JSON.stringify({ ...JSON.parse(original), accessTokenTtl: 60 }));
      const invalid = await expectProblem('config', `Edit ${configFile} and correct "accessTokenTtl"`);
      expect(invalid.check('key').status).toBe('skipped');
    } finally {
      await writeFile(configFile, original, { mode: 0o600 });
    }
  });

  it('finds critical security events not yet reviewed, and is clean after ma-auth audit', async () => {
    await withStore((s) =>
      s.appendAudit({
        at: Date.now(),
        kind: 'code_replayed',
        severity: 'critical',
        clientId: install.alexa.clientId,
        grantId: null,
        detail: {},
      }),
    );
    const d = await expectProblem('security-events', 'ma-auth audit --severity warning');
    expect(d.check('security-events').summary).toMatch(
      /^1 security event \(1 critical\) since set-up \(newest: code_replayed/,
    );
    expect((await runCli(['audit'], env)).code).toBe(0);
    const after = await doctor();
    expect(after.code).toBe(0);
    expect(after.check('security-events').status).toBe('ok');
  });

  it('finds a clock that went back (the store recorded events in the future)', async () => {
    await withStore((s) =>
      s.appendAudit({
        at: Date.now() + 3_600_000,
        kind: 'grant_revoked',
        severity: 'info',
        clientId: null,
        grantId: null,
        detail: {},
      }),
    );
    try {
      const d = await expectProblem('clock', 'timedatectl set-ntp true');
      expect(d.check('clock').summary).toMatch(/^the clock went back: the store recorded an event at /);
    } finally {
      const db = new DatabaseSync(install.storeFile, { timeout: 10_000 });
      db.prepare('DELETE FROM audit_events WHERE at > ?').run(Date.now() + 60_000);
      db.close();
    }
    expect((await doctor()).code).toBe(0);
  });

  it('finds a corrupted store page (bytes overwritten in the middle of the file)', async () => {
    // The listener holds the store; stop it so the file is complete on disk (WAL checkpointed).
    await listener?.stop();
    listener = undefined;
    const db = new DatabaseSync(install.storeFile);
    const pageSize = (db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size;
    const root = (
      db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'grants'").get() as {
        rootpage: number;
      }
    ).rootpage;
    const pages = (db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    db.close();
    expect(root).toBeGreaterThan(1);
    expect(root).toBeLessThan(pages);
    const file = await open(install.storeFile, 'r+');
    await file.write(Buffer.alloc(pageSize, 0xa5), 0, pageSize, (root - 1) * pageSize);
    await file.close();

    const d = await expectProblem('store', 'ma-auth restore <backup file>');
    expect(d.check('store').summary).toMatch(/^PRAGMA integrity_check failed: |damaged/);
    expect(d.check('store').fix).toContain(`mv ${install.storeFile} ${install.storeFile}.damaged`);
    // What reads the store is skipped, not reported as a second problem.
    expect(d.check('redirect-uris').status).toBe('skipped');
  });
});
