/**
 * Pre-issued grants for the load, written into an install's store while no
 * listener runs.
 *
 * - `pool`: grants whose tokens the load will present, through the Store API
 *   exactly as a code exchange leaves them (src/oauth/issue.ts mintTokens →
 *   Store.createGrant: hashes only), 64 at a time so a group-committing store
 *   can batch them. Writes `{ refresh: [...], access: [...] }` (the token
 *   texts) to the output file.
 * - `filler`: bulk grants nobody will present (store-size runs), each with a
 *   refresh and an access token and the sealed `linked` audit event a real
 *   link leaves (client address and user agent, AES-GCM under the data key),
 *   in transactions of 50,000 grants — a bench-only shortcut: going through
 *   the Store API would fsync a million times. Grant and token rows are plain
 *   INSERTs shaped like src/store/sqlite/grants.ts insertGrant/insertToken
 *   write them; audit events go through the store's own appendAudit
 *   (src/store/sqlite/audit.ts) inside the bench's transaction, so they are
 *   sealed exactly as the listener seals them. Without sealed rows,
 *   rotate-key and restore would have nothing to re-seal.
 *
 * Usage: seed.ts <dist> <MA_AUTH_HOME> <pool|filler> <count> [<out.json>]
 * Sends `{ type: 'seeded', count, seconds }` over IPC.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { loadProduct, openInstall } from '../lib/product.js';

const [dist, home, mode, countText, out] = process.argv.slice(2) as [string, string, string, string, string?];
const count = Number(countText);
const product = await loadProduct(dist);
const env = { ...process.env, MA_AUTH_HOME: home } as Record<string, string>;
const { paths, config, key } = await openInstall(product, env);
const scope = product.scopes.ALEXA_SCOPES.join(' ');
const started = performance.now();

if (mode === 'pool') {
  const store = await product.sqliteStore.SqliteStore.open({ file: paths.storeFile, key });
  const owner = await store.owner();
  if (!owner) throw new Error('the install has no owner');
  const refresh: string[] = [];
  const access: string[] = [];
  const issueOne = async () => {
    const now = Date.now();
    const pair = product.issue.mintTokens({
      now,
      accessTtlS: config.accessTokenTtl,
      accessScope: scope,
      refresh: { scope, idleTtlS: config.refreshIdleTtl },
    });
    await store.createGrant({
      grant: {
        id: product.random.randomId(),
        clientId: config.alexaClientId,
        ownerId: owner.id,
        scope,
        origin: 'authorization_code',
      },
      tokens: pair.records,
      now,
    });
    refresh.push(pair.refreshToken as string);
    access.push(pair.accessToken);
  };
  for (let done = 0; done < count; ) {
    const batch = Math.min(64, count - done);
    await Promise.all(Array.from({ length: batch }, issueOne));
    done += batch;
  }
  await store.close();
  writeFileSync(out as string, JSON.stringify({ refresh, access }));
} else if (mode === 'filler') {
  const store = await product.sqliteStore.SqliteStore.open({ file: paths.storeFile, key });
  const owner = await store.owner();
  await store.close();
  if (!owner) throw new Error('the install has no owner');
  const db = new DatabaseSync(paths.storeFile, { timeout: 10_000 });
  db.exec('PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144');
  const grant = db.prepare(
    `INSERT INTO grants (id, client_id, owner_id, scope, origin, created_at, last_used_at)
     VALUES (?, ?, ?, ?, 'authorization_code', ?, ?)`,
  );
  const token = db.prepare(
    `INSERT INTO tokens (hash, kind, grant_id, scope, generation, seq, created_at, expires_at)
     VALUES (?, ?, ?, ?, 0, ?, ?, ?)`,
  );
  // The store's audit writer, inside this connection's own transaction (its `write` runs the function as is).
  const auditCtx = { db, write: <T>(fn: () => T): T => fn(), requireKey: () => key };
  const userAgent =
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Alexa/2.2';
  const BATCH = 50_000;
  for (let done = 0; done < count; ) {
    const n = Math.min(BATCH, count - done);
    const now = Date.now();
    const ids = randomBytes(16 * n);
    const hashes = randomBytes(64 * n);
    db.exec('BEGIN IMMEDIATE');
    for (let i = 0; i < n; i++) {
      const id = ids.subarray(i * 16, i * 16 + 16).toString('base64url');
      grant.run(id, config.alexaClientId, owner.id, scope, now, now);
      token.run(
        hashes.subarray(i * 64, i * 64 + 32), // the store keys a token by its 32-byte hash
        'refresh',
        id,
        scope,
        1,
        now,
        now + config.refreshIdleTtl * 1000,
      );
      token.run(
        hashes.subarray(i * 64 + 32, i * 64 + 64),
        'access',
        id,
        scope,
        2,
        now,
        now + config.accessTokenTtl * 1000,
      );
      product.sqliteAudit.appendAudit(auditCtx, {
        at: now,
        kind: 'linked',
        severity: 'info',
        clientId: config.alexaClientId,
        grantId: id,
        detail: {
          scope,
          deviceAuthorizationId: product.random.randomId(),
          address: `198.51.100.${(done + i) % 250}`,
          userAgent,
        },
      });
    }
    db.exec('COMMIT');
    done += n;
  }
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}

const seconds = (performance.now() - started) / 1000;
process.send?.({ type: 'seeded', count, seconds });
process.disconnect?.();
