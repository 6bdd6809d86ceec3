/**
 * Music Assistant's client secret lives in a file in the config dir, its hash
 * in the store; a restore changes both. The file cannot join the store's
 * transaction, so the new one is staged beside it (`….secret.restored`)
 * before the swap and moved into place after it. A crash in between is
 * settled by the next command: the staged file goes into place if the store
 * holds its hash (the swap committed), and away otherwise.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, writeFileAtomic } from '../../config/fs-private.js';
import type { Paths } from '../../config/paths.js';
import { sha256Hex } from '../../crypto/hash.js';
import { MUSIC_ASSISTANT_CLIENT_ID } from '../../oauth/builtin-clients.js';
import { openDatabase } from '../../store/sqlite/database.js';
import { tryOpsLock } from '../ops-lock.js';

export function stagedSecretFile(paths: Paths): string {
  return `${paths.introspectionSecretFile}.restored`;
}

export async function stageSecret(paths: Paths, secret: string): Promise<void> {
  await writeFileAtomic(stagedSecretFile(paths), secret);
}

export async function promoteSecret(paths: Paths): Promise<void> {
  await rename(stagedSecretFile(paths), paths.introspectionSecretFile);
  await fsyncDir(dirname(paths.introspectionSecretFile));
}

/** After a crash: put the staged secret in place if the store has its hash, else drop it. */
export async function settleStagedSecret(paths: Paths): Promise<void> {
  const staged = stagedSecretFile(paths);
  if (!existsSync(staged) || !existsSync(paths.storeFile)) return;
  const lock = await tryOpsLock(paths.dataDir, 'finish restore');
  if ('holder' in lock) return; // a restore is running: it is its file
  try {
    const secret = (await readFile(staged, 'utf8')).trim();
    const db = openDatabase(paths.storeFile);
    let hash: string | null;
    try {
      const row = db.prepare('SELECT secret_hash FROM clients WHERE id = ?').get(MUSIC_ASSISTANT_CLIENT_ID) as
        | { secret_hash: string | null }
        | undefined;
      hash = row?.secret_hash ?? null;
    } finally {
      db.close();
    }
    if (hash === sha256Hex(secret)) await promoteSecret(paths);
    else await rm(staged, { force: true });
  } finally {
    await lock.release();
  }
}
