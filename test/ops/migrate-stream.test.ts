/**
 * `ma-auth migrate` reads the dump as a stream and writes it in batches
 * (src/ops/migrate/read-dump.ts, migration-run.ts): the outcome is the same
 * whatever the batch size — tokens two entries share are caught across
 * batches through the store — entries come in file order, and a file that
 * turns out to be broken, or that changes while it is read, leaves the store
 * exactly as it was.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import { randomToken } from '../../src/crypto/random-token.js';
import { generateDataKey } from '../../src/keys/data-key.js';
import { alexaClient, cliClient } from '../../src/oauth/builtin-clients.js';
import { type MigrateInput, type MigrationReport, migrateLegacy } from '../../src/ops/migrate/migrate.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { dumpStore, INIT_REDIRECT } from './support/legacy.js';

const NOW = Date.UTC(2025, 10, 2, 12, 30, 0);
const LIVE = NOW / 1000 + 1800.5;
const EXPIRED = NOW / 1000 - 60;

let dir: string;
let file: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ma-auth-migrate-stream-'));
  file = join(dir, 'ma-auth.db');
  store = await SqliteStore.open({ file, key: generateDataKey(), create: true });
  await store.initialise({
    owner: { id: 'owner-1', name: 'Pat' },
    clients: [
      alexaClient('amazon-alexa', [INIT_REDIRECT], sha256Hex(randomToken('clientSecret'))),
      cliClient(),
    ],
    now: NOW - 3600_000,
  });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const tok = (name: string) => `legacy-${name}-`.padEnd(43, 'x');
const entry = (access: string, refresh: string, expires = LIVE, client = 'amazon-alexa') => ({
  access_token: access,
  refresh_token: refresh,
  expires_at: expires,
  scope: 'music.read',
  client_id: client,
});

async function writeDump(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function migrate(dumpFile: string, extra: Partial<MigrateInput> = {}): Promise<MigrationReport> {
  return migrateLegacy(store, {
    dumpFile,
    dryRun: false,
    now: NOW,
    accessTokenTtl: 3600,
    refreshIdleTtl: 180 * 24 * 3600,
    ...extra,
  });
}

/**
 * Shared tokens in every combination, a numeric user id (JSON.parse would
 * have put it first), a user id twice, and an entry too large to be one.
 */
const TRICKY = [
  '{"tokens": {',
  `"a": ${JSON.stringify(entry(tok('a-at'), tok('a-rt')))},`,
  // Its refresh token is a's access token.
  `"b": ${JSON.stringify(entry(tok('b-at'), tok('a-at')))},`,
  // Its access token is a's refresh token.
  `"c": ${JSON.stringify(entry(tok('a-rt'), tok('c-rt')))},`,
  `"d": ${JSON.stringify(entry(tok('d-at'), tok('c-rt')))},`,
  `"42": ${JSON.stringify(entry(tok('n-at'), tok('n-rt'), EXPIRED))},`,
  `"twice": ${JSON.stringify(entry(tok('t1-at'), tok('t1-rt')))},`,
  `"twice": ${JSON.stringify(entry(tok('t2-at'), tok('t2-rt')))},`,
  // Shares the first "twice"'s refresh token: in file order it comes later (JSON.parse put "7" first).
  `"7": ${JSON.stringify(entry(tok('7-at'), tok('t1-rt')))},`,
  `"huge": {"access_token": "${'z'.repeat(70 * 1024)}"},`,
  `"ghost": ${JSON.stringify(entry(tok('g-at'), tok('g-rt'), LIVE, 'ghost-client'))},`,
  // Its refresh token is c's too (and its access token a's).
  `"e": ${JSON.stringify(entry(tok('a-at'), tok('c-rt')))}`,
  '}, "auth_codes": [], "exported_at": 1762084800.3}',
].join('\n');

describe('migrate reads the dump as a stream, in batches', () => {
  it('decides every entry in file order, the same whatever the batch size', async () => {
    const dump = await writeDump('tricky.json', TRICKY);
    const reports: MigrationReport[] = [];
    for (const batchSize of [1, 2, 3, 1000]) {
      reports.push(await migrate(dump, { batchSize, dryRun: true }));
    }
    const report = reports[0]!;
    for (const other of reports.slice(1)) expect(other).toEqual(report);
    expect(report.tokens).toMatchObject({
      entries: 11,
      malformed: 2,
      imported: 5,
      accessTokens: 3,
      accessTokensExpired: 1,
      skipped: 5,
    });
    expect(report.malformed).toEqual([
      { key: 'tokens["huge"]', reason: 'larger than 64 KiB: not a token entry' },
      { key: 'auth_codes', reason: 'expected an object, got a list; ignored' },
    ]);
    const twin = (of: string) => `its refresh_token is also in tokens["${of}"], which is imported instead`;
    expect(report.skipped).toEqual([
      { key: 'tokens["b"]', reason: twin('a') },
      { key: 'tokens["c"]', reason: 'access_token seen before: only the refresh token is imported' },
      { key: 'tokens["d"]', reason: twin('c') },
      { key: 'tokens["7"]', reason: twin('twice') },
      {
        key: 'tokens["ghost"]',
        reason: 'no client "ghost-client" in ma-auth (pass the legacy oauth_clients.json with --clients)',
      },
      { key: 'tokens["e"]', reason: twin('c') },
    ]);
    expect(report.ignoredKeys).toEqual(['exported_at']);

    // The real run, in batches of two, does what the dry runs said.
    const real = await migrate(dump, { batchSize: 2 });
    expect({ ...real, dryRun: true, result: null }).toEqual(report);
    expect((await store.findToken(sha256Hex(tok('a-at'))))?.token.kind).toBe('access');
    expect((await store.findToken(sha256Hex(tok('c-rt'))))?.token.kind).toBe('refresh');
    expect(await store.findToken(sha256Hex(tok('n-at')))).toBeNull();
    for (const t of ['t1-rt', 't2-rt']) expect(await store.findToken(sha256Hex(tok(t)))).not.toBeNull();
    const again = await migrate(dump, { batchSize: 3 });
    expect(again.changed).toBe(false);
    // Every entry whose refresh token was imported: a, c, d, 42, both "twice", 7 and e.
    expect(again.tokens.alreadyImported).toBe(8);
  });

  it('a dry run over many batches changes nothing; the import then takes them all', async () => {
    const tokens: Record<string, unknown> = {};
    for (let i = 0; i < 3000; i++) tokens[`user-${i}`] = entry(tok(`${i}-at`), tok(`${i}-rt`));
    const dump = await writeDump('many.json', JSON.stringify({ tokens }));
    const before = dumpStore(file);
    const dry = await migrate(dump, { batchSize: 500, dryRun: true });
    expect(dry.tokens.imported).toBe(3000);
    expect(dumpStore(file)).toBe(before);
    const real = await migrate(dump, { batchSize: 500 });
    expect(real.tokens).toMatchObject({ imported: 3000, accessTokens: 3000 });
    expect(real.result).toMatchObject({ written: true, grants: 3000 });
  });
});

describe('migrate: a dump that is broken or changes keeps nothing', () => {
  it('refuses a file broken after thousands of good entries, before writing anything', async () => {
    const tokens: Record<string, unknown> = {};
    for (let i = 0; i < 2000; i++) tokens[`user-${i}`] = entry(tok(`${i}-at`), tok(`${i}-rt`));
    const good = JSON.stringify({ tokens });
    const before = dumpStore(file);
    for (const broken of [
      good.slice(0, -1),
      `${good.slice(0, -1)}, "exported_at": NaN}`,
      `${good.slice(0, -2)},}}`,
      `${good}\n{}`,
      good.replace(`"${tok('1999-rt')}"`, `"${tok('1999-rt')}`),
    ]) {
      const dump = await writeDump('broken.json', broken);
      const err = await migrate(dump, { batchSize: 100 }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/broken\.json is not valid JSON \(.* at line \d, column \d+/);
      expect((err as Error).message).not.toContain('legacy-');
      expect(dumpStore(file)).toBe(before);
    }
  });

  it('refuses the shapes it cannot read whole, naming what is wrong', async () => {
    const cases: [string, RegExp][] = [
      ['{"tokens": {}, "tokens": {}}', /the key "tokens" appears twice at the top level/],
      ['{"auth_codes": {}, "tokens": []}', /"tokens" must be an object keyed by user id, got a list/],
      ['{"tokens": ""}', /"tokens" must be an object keyed by user id, got an empty string/],
      ['[{"tokens": {}}]', /expected a JSON object like \{"tokens": \{…\}\}, got a list/],
      ['{"u": {"refresh_token": "x"}}', /no "tokens" map \(this looks like the tokens map itself/],
      [`{"tokens": {"${'u'.repeat(70_000)}": {}}}`, /shape\.json: a key longer than 64 KiB at line 1/],
    ];
    for (const [text, message] of cases) {
      await expect(migrate(await writeDump('shape.json', text))).rejects.toThrow(message);
    }
    // Read twice, from the start: only a regular file can be (not a pipe, not a device).
    await expect(migrate('/dev/null')).rejects.toThrow(
      /cannot read the legacy dump \/dev\/null \(not a regular file: save the export to a file first\)/,
    );
    // The map may come last, after what is ignored.
    const last = await writeDump('last.json', `{"exported_at": 1, "auth_codes": {"c": {}}, "tokens": {}}`);
    expect(await migrate(last)).toMatchObject({ authCodes: 1, ignoredKeys: ['exported_at'], changed: true });
  });

  it('a dump changed between the check and the import: nothing imported', async () => {
    const tokens: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) tokens[`user-${i}`] = entry(tok(`${i}-at`), tok(`${i}-rt`));
    const dump = await writeDump('changing.json', JSON.stringify({ tokens }));
    const text = await readFile(dump, 'utf8');
    const before = dumpStore(file);
    let changed = false;
    const err = await migrate(dump, {
      batchSize: 10,
      onProgress: (phase, done, total) => {
        // As the first pass reads its last bytes, the same file (the same inode) is rewritten.
        if (phase !== 'checking' || done < total || changed) return;
        changed = true;
        writeFileSync(dump, text.replace('user-49', 'user-XX'));
      },
    }).catch((e: Error) => e);
    expect(changed).toBe(true);
    expect((err as Error).message).toMatch(/changing\.json changed while it was being read/);
    expect(dumpStore(file)).toBe(before);
  });
});
