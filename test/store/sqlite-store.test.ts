import { spawn } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeKey, generateDataKey } from '../../src/keys/data-key.js';
import { alexaClient, cliClient } from '../../src/oauth/builtin-clients.js';
import { StoreError } from '../../src/store/errors.js';
import { LATEST_SCHEMA_VERSION } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { DIST, ROOT } from '../support/paths.js';

const NOW = 1_790_000_000_000;

describe('SqliteStore', () => {
  let file: string;
  const key = generateDataKey();
  beforeEach(async () => {
    file = join(await mkdtemp(join(tmpdir(), 'ma-auth-store-')), 'ma-auth.db');
  });

  async function initialised() {
    const store = await SqliteStore.open({ file, key, create: true });
    await store.initialise({
      owner: { id: 'owner-1', name: 'Ada' },
      clients: [
        alexaClient('amazon-alexa', ['https://pitangui.amazon.com/api/skill/link/M2X'], 'ab'.repeat(32)),
        cliClient(),
      ],
      now: NOW,
    });
    return store;
  }

  it('migrates an empty file to the latest schema, WAL, private file mode', async () => {
    const store = await SqliteStore.open({ file, key, create: true });
    expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    await store.close();
    const db = new DatabaseSync(file);
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);
    db.close();
    for (const t of [
      'audit_events',
      'authorization_codes',
      'clients',
      'device_authorizations',
      'grants',
      'meta',
      'pending_requests',
      'tokens',
    ]) {
      expect(tables).toContain(t);
    }
    expect((await stat(file)).mode & 0o077).toBe(0);
  });

  it('round-trips clients, owner and audit events across reopen', async () => {
    const store = await initialised();
    await store.appendAudit({
      at: NOW + 1,
      kind: 'linked',
      severity: 'info',
      clientId: 'amazon-alexa',
      grantId: null,
      detail: { address: '192.0.2.7' },
    });
    await store.close();
    const again = await SqliteStore.open({ file, key });
    expect((await again.owner())?.name).toBe('Ada');
    const alexa = await again.getClient('amazon-alexa');
    expect(alexa?.redirectUris).toEqual(['https://pitangui.amazon.com/api/skill/link/M2X']);
    expect(alexa?.scopes).toEqual(['music.read', 'music.control']);
    expect((await again.listClients()).map((c) => c.id)).toEqual(['amazon-alexa', 'ma-auth-cli']);
    const [event] = await again.listAudit({});
    expect(event?.detail).toEqual({ address: '192.0.2.7' });
    expect(await again.counts(NOW)).toEqual({ clients: 2, activeGrants: 0, pendingPairings: 0 });
    await again.close();
  });

  it('keeps personal data sealed at rest', async () => {
    const store = await initialised();
    await store.appendAudit({
      at: NOW,
      kind: 'x',
      severity: 'info',
      clientId: null,
      grantId: null,
      detail: { address: '198.51.100.77' },
    });
    await store.close();
    const bytes = Buffer.concat([
      await readFile(file),
      await readFile(`${file}-wal`).catch(() => Buffer.alloc(0)),
    ]);
    expect(bytes.includes('198.51.100.77')).toBe(false);
    expect(bytes.includes('Ada')).toBe(false);
  });

  it('refuses to open with a key that did not seal it', async () => {
    await (await initialised()).close();
    const err = await SqliteStore.open({ file, key: generateDataKey() }).catch((e) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err.code).toBe('key_mismatch');
    expect(err.message).toContain(key.id);
  });

  it('refuses a second initialise and a duplicate client', async () => {
    const store = await initialised();
    await expect(
      store.initialise({ owner: { id: 'o', name: 'o' }, clients: [], now: NOW }),
    ).rejects.toMatchObject({ code: 'already_initialised' });
    await expect(store.addClient(cliClient(), NOW)).rejects.toMatchObject({ code: 'conflict' });
    await store.close();
  });

  it('a missing file is "not initialised", a newer schema is refused, garbage is "corrupt"', async () => {
    await expect(SqliteStore.open({ file, key })).rejects.toMatchObject({ code: 'not_initialised' });
    await (await initialised()).close();
    const db = new DatabaseSync(file);
    db.exec(`PRAGMA user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    await expect(SqliteStore.open({ file, key })).rejects.toMatchObject({ code: 'newer_schema' });
    const junk = join(await mkdtemp(join(tmpdir(), 'ma-auth-junk-')), 'x.db');
    await import('node:fs/promises').then((fs) => fs.writeFile(junk, 'this is not a database'.repeat(300)));
    await expect(SqliteStore.open({ file: junk, key })).rejects.toMatchObject({ code: 'corrupt' });
  });

  it('two processes writing the same file at once both succeed (no SQLITE_BUSY surfaces)', async () => {
    await (await initialised()).close();
    const perWriter = 150;
    const run = (label: string) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [
          join(ROOT, 'test/support/store-writer.mjs'),
          DIST,
          file,
          encodeKey(key),
          label,
          String(perWriter),
        ]);
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('close', (code) => resolve({ code, out, err }));
      });
    const local = (async () => {
      const store = await SqliteStore.open({ file, key });
      for (let i = 0; i < perWriter; i++) {
        await store.appendAudit({
          at: NOW,
          kind: 'writer.local',
          severity: 'info',
          clientId: null,
          grantId: null,
          detail: {},
        });
      }
      await store.close();
    })();
    const results = await Promise.all([run('a'), run('b'), local]);
    for (const r of results.slice(0, 2) as { code: number; err: string }[]) {
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
    }
    const store = await SqliteStore.open({ file, key });
    const events = await store.listAudit({ limit: 10_000 });
    await store.close();
    expect(events.filter((e) => e.kind === 'writer.a')).toHaveLength(perWriter);
    expect(events.filter((e) => e.kind === 'writer.b')).toHaveLength(perWriter);
    expect(events.filter((e) => e.kind === 'writer.local')).toHaveLength(perWriter);
  });
});
