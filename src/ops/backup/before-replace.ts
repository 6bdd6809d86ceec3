/**
 * `init --force`: back up the existing install first, then move it aside so
 * a new one can be created — and put it back if that fails.
 *
 * The backup is sealed with a passphrase, never with the data key: the old key
 * is removed with the old install, so only a passphrase backup could bring the
 * old state back (`ma-auth restore FILE` on the new install). It is verified in
 * full before anything is moved. Moved aside means renamed in place (store,
 * its WAL files, config, Music Assistant's secret, the key file) or, for a
 * keychain key, removed from the keychain with the key kept in memory; the
 * new install's success deletes them, its failure puts them back.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { loadConfig } from '../../config/config.js';
import type { Env, Paths } from '../../config/paths.js';
import type { DataKey } from '../../keys/data-key.js';
import { writableSource } from '../../keys/resolver.js';
import type { KeySource } from '../../keys/source.js';
import { stagedKeyFile } from '../../keys/staging.js';
import { openDatabase } from '../../store/sqlite/database.js';
import { resolveStoreKey } from '../key-recovery.js';
import { acquireOpsLock } from '../ops-lock.js';
import { freeName } from '../restore/restore.js';
import { type BackupSummary, createBackup, type OnProgress } from './create.js';
import { openBackup } from './open.js';

export interface SetAside {
  /** The new install is in place: delete what was moved aside. */
  discard(): Promise<void>;
  /** The new install failed: put the old one back. */
  restore(): Promise<void>;
}

export class NothingToBackUp extends Error {
  override readonly name = 'NothingToBackUp';
}

export async function backUpAndSetAside(input: {
  paths: Paths;
  env: Env;
  keychain?: KeySource | undefined;
  passphrase: string;
  now: number;
  onProgress?: OnProgress;
}): Promise<{ backup: BackupSummary; aside: SetAside }> {
  const { paths } = input;
  if (!existsSync(paths.storeFile)) {
    throw new NothingToBackUp(
      `there is no store (${paths.storeFile}) to back up, so --force will not remove the rest of the set-up; ` +
        'move what is left out of the way yourself if you are sure it holds nothing you need',
    );
  }
  const lock = await acquireOpsLock(paths.dataDir, 'init --force');
  try {
    const config = await loadConfig(paths.configFile).catch(() => null);
    const opts = { env: input.env, paths, keyStore: config?.keyStore, keychain: input.keychain };
    const resolved = await resolveStoreKey({ ...opts, storeFile: paths.storeFile, dataDir: paths.dataDir });
    const backup = await createBackup({
      storeFile: paths.storeFile,
      key: resolved.key,
      target: await freeName(paths.backupDir, 'pre-init', input.now),
      seal: { kind: 'passphrase', passphrase: input.passphrase },
      workDir: paths.dataDir,
      musicAssistantSecretFile: paths.introspectionSecretFile,
      now: input.now,
      ...(input.onProgress ? { onProgress: input.onProgress } : {}),
    });
    const check = await openBackup({
      file: backup.file,
      passphrase: async () => input.passphrase,
      currentKey: resolved.key,
      workDir: paths.dataDir,
      now: input.now,
    });
    await check.discard();
    const keychainKey =
      config?.keyStore === 'keychain' && resolved.source.kind === 'keychain'
        ? { source: writableSource('keychain', opts) as KeySource, key: resolved.key }
        : null;
    return { backup, aside: await setAside(paths, keychainKey) };
  } finally {
    await lock.release();
  }
}

async function setAside(
  paths: Paths,
  keychain: { source: KeySource; key: DataKey } | null,
): Promise<SetAside> {
  // Checkpoint and drop the WAL, so the store is one self-contained file.
  const db = openDatabase(paths.storeFile);
  try {
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  const suffix = `.replaced-${process.pid}`;
  const files = [
    paths.storeFile,
    `${paths.storeFile}-wal`,
    `${paths.storeFile}-shm`,
    paths.configFile,
    paths.introspectionSecretFile,
    paths.keyFile,
    stagedKeyFile(paths),
  ].filter((f) => existsSync(f));
  const moved: string[] = [];
  let keychainRemoved = false;
  const restore = async () => {
    for (const f of moved.reverse()) await rename(f + suffix, f);
    if (keychainRemoved && keychain?.source.write) await keychain.source.write(keychain.key);
  };
  try {
    for (const f of files) {
      await rename(f, f + suffix);
      moved.push(f);
    }
    if (keychain) {
      await keychain.source.remove?.();
      keychainRemoved = true;
    }
  } catch (err) {
    await restore();
    throw err;
  }
  return {
    restore,
    discard: async () => {
      for (const f of moved) await rm(f + suffix, { force: true });
    },
  };
}
