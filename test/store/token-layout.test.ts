/**
 * Migration 4: tokens keyed by family (grant, generation, 32-byte hash).
 * A store written by the previous schema keeps every usable token, and the
 * rotation's bounded scans find the live tokens of an old family.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import type { RotateRefreshInput } from '../../src/store/records/grants.js';
import type { SqliteContext } from '../../src/store/sqlite/context.js';
import { migrate } from '../../src/store/sqlite/database.js';
import { findToken } from '../../src/store/sqlite/grants.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { rotateRefreshToken } from '../../src/store/sqlite/rotation.js';
import { tokenKey } from '../../src/store/sqlite/rows.js';

const T0 = 1_790_000_000_000;
const DAY = 86_400_000;
const h = (label: string) => sha256Hex(label);

let db: DatabaseSync;
let ctx: SqliteContext;

beforeEach(async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'ma-auth-layout-')), 'ma-auth.db');
  db = new DatabaseSync(file, { enableForeignKeyConstraints: true });
  ctx = {
    db,
    write: (fn) => fn(),
    requireKey: () => {
      throw new Error('no key in these tests');
    },
  };
});

/** A store as schema version 3 left it: hex hashes in a rowid table. */
function storeAtVersion3(): void {
  for (const step of MIGRATIONS.slice(0, 3)) db.exec(step);
  db.exec('PRAGMA user_version = 3');
  db.prepare(
    `INSERT INTO clients (id, name, role, type, created_at, updated_at) VALUES ('alexa', 'Alexa', 'alexa', 'confidential', ?, ?)`,
  ).run(T0, T0);
  const grant = db.prepare(
    `INSERT INTO grants (id, client_id, owner_id, scope, origin, created_at, last_used_at)
     VALUES (?, 'alexa', 'owner', 'music.read', 'authorization_code', ?, ?)`,
  );
  const token = db.prepare(
    `INSERT INTO tokens (hash, kind, grant_id, scope, generation, created_at, expires_at, used_at, superseded_at)
     VALUES (?, ?, ?, 'music.read', ?, ?, ?, ?, ?)`,
  );
  grant.run('g1', T0, T0);
  token.run(h('rt-0'), 'refresh', 'g1', 0, T0, T0 + 90 * DAY, T0 + 1, T0 + 2); // retired
  token.run(h('rt-1'), 'refresh', 'g1', 1, T0 + 1, T0 + 90 * DAY, T0 + 2, null); // head
  token.run(h('at-1'), 'access', 'g1', 1, T0 + 1, T0 + DAY, null, null);
  token.run(h('rt-2'), 'refresh', 'g1', 2, T0 + 2, T0 + 90 * DAY, null, null); // issued, unconfirmed
  token.run('not-a-sha256-hash', 'refresh', 'g1', 2, T0 + 2, T0 + 90 * DAY, null, null);
}

function rotation(presented: string, next: number, now: number): RotateRefreshInput {
  return {
    presentedHash: h(presented),
    clientId: 'alexa',
    now,
    refreshHash: h(`rt-${next}`),
    accessHash: h(`at-${next}`),
    accessScope: null,
    accessExpiresAt: now + 3_600_000,
    refreshIdleMs: 90 * DAY,
    graceMs: 10_000,
    strict: false,
    maxUnconfirmed: 3,
  };
}

describe('tokens keyed by family (migration 4)', () => {
  it('carries a version 3 store over: same tokens and states, 32-byte hashes, two indexes', () => {
    storeAtVersion3();
    expect(migrate(db, 'test')).toBe(MIGRATIONS.length);
    const tokens = db.prepare('SELECT count(*) AS n FROM tokens').get() as { n: number };
    expect(tokens.n).toBe(4); // the hash that is not SHA-256 hex could never be presented: not carried
    expect(findToken(ctx, h('rt-1'))?.token).toMatchObject({
      hash: h('rt-1'),
      grantId: 'g1',
      generation: 1,
      usedAt: T0 + 2,
      supersededAt: null,
    });
    expect(findToken(ctx, h('rt-0'))?.token.supersededAt).toBe(T0 + 2);
    const indexes = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tokens' ORDER BY name")
      .all()
      .map((r) => r.name);
    expect(indexes).toEqual(['tokens_expires', 'tokens_hash']); // the key is the table's own b-tree
    expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
  });

  it('rotates a migrated family: confirming retires the head, the retired parent is reuse after grace', () => {
    storeAtVersion3();
    migrate(db, 'test');
    expect(rotateRefreshToken(ctx, rotation('rt-2', 3, T0 + 10))).toMatchObject({
      outcome: 'rotated',
      generation: 3,
      via: 'confirmed',
    });
    expect(findToken(ctx, h('rt-1'))?.token.supersededAt).toBe(T0 + 10);
    expect(rotateRefreshToken(ctx, rotation('rt-1', 4, T0 + 11))).toMatchObject({ via: 'grace' });
    // Grace rotated from the head, rt-2, one generation up.
    expect(findToken(ctx, h('rt-4'))?.token.generation).toBe(3);
    expect(rotateRefreshToken(ctx, rotation('rt-1', 5, T0 + 60_000)).outcome).toBe('reuse');
  });

  it('finds the live tokens of a long family without the older generations in the way', () => {
    storeAtVersion3();
    migrate(db, 'test');
    let presented = 'rt-2';
    for (let n = 3; n < 200; n++) {
      expect(rotateRefreshToken(ctx, rotation(presented, n, T0 + n)).outcome).toBe('rotated');
      presented = `rt-${n}`;
    }
    // Head rt-198 (generation 198) with unconfirmed rt-199; present the head three more times.
    for (const n of [300, 301, 302]) rotateRefreshToken(ctx, rotation('rt-198', n, T0 + n));
    const live = db
      .prepare(
        `SELECT count(*) AS n FROM tokens WHERE grant_id = 'g1' AND kind = 'refresh'
           AND superseded_at IS NULL AND revoked_at IS NULL`,
      )
      .get() as { n: number };
    expect(live.n).toBe(4); // the head and the newest maxUnconfirmed - 1 + 1 children
    expect(findToken(ctx, h('rt-199'))?.token.revokedAt).toBe(T0 + 302);
    expect(rotateRefreshToken(ctx, rotation('rt-302', 400, T0 + 400))).toMatchObject({ via: 'confirmed' });
    for (const n of [198, 300, 301]) expect(findToken(ctx, h(`rt-${n}`))?.token.supersededAt).toBe(T0 + 400);
  });

  it('refuses a token hash that is not SHA-256 hex rather than storing or looking it up', () => {
    expect(() => tokenKey('rt-1')).toThrow(/SHA-256 hex/);
    expect(() => tokenKey(`${h('x').slice(0, 62)}zz`)).toThrow(/SHA-256 hex/);
    expect(() => tokenKey(`${h('x')}00`)).toThrow(/SHA-256 hex/);
    expect(() => tokenKey(h('x').slice(0, 63))).toThrow(/SHA-256 hex/);
    expect(Buffer.from(tokenKey(h('x'))).toString('hex')).toBe(h('x'));
  });
});
