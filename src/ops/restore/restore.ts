/**
 * Restoring a verified backup (backup/open.ts) into the live store:
 *
 * 1. prepare — beside the store, on the decrypted snapshot: migrate an older
 *    schema, re-seal every sealed field under the CURRENT data key (in one
 *    transaction), expire what hangs on keyed hashes that cannot be
 *    recomputed (reseal.ts); count what the store holds now and what it will.
 *    (openBackup has rebuilt every index from the rows: the swap copies them.)
 * 2. commit — swap the content in ONE transaction on the live file
 *    (replace.ts), which a running listener sees at its next request. The
 *    copy runs on its own thread and commits only once all of this is done
 *    beside it: the backup's foreign keys are checked and its sealed values
 *    opened, if verification left that to the swap (openBackup
 *    `deferChecks`); the current store is saved (sealed with the data key)
 *    as `backups/pre-restore-….backup`, so `restore --rollback` can undo it
 *    (or the save is given, started by `savePrevious` while the backup was
 *    verified); and Music Assistant's client secret file is staged, to be
 *    moved into place after the swap (secret-file.ts).
 *
 * A crash at any point leaves the store as it was or as restored, never a mix.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Paths } from '../../config/paths.js';
import type { DataKey } from '../../keys/data-key.js';
import { migrate, openDatabase, schemaVersion, writeTransaction } from '../../store/sqlite/database.js';
import { replaceContents } from '../../store/sqlite/replace.js';
import { type ResealResult, resealAll } from '../../store/sqlite/reseal.js';
import { openSnapshot, type StoreFacts, storeFacts } from '../../store/sqlite/snapshot.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import { createBackup, type OnProgress, type UncountedBackupSummary } from '../backup/create.js';
import { currentSecret, finishVerification, type OpenedBackup } from '../backup/open.js';
import { crashPoint } from '../crash-point.js';
import { promoteSecret, stageSecret } from './secret-file.js';

export interface PreparedRestore {
  readonly backup: OpenedBackup;
  /** What the live store holds now. */
  readonly current: StoreFacts;
  /** What it will hold (after migration and re-sealing). */
  readonly incoming: StoreFacts;
  /** The schema version the backup was migrated from, or null. */
  readonly migratedFrom: number | null;
  readonly reseal: ResealResult;
  /** Whether the Music Assistant client's secret file changes. */
  readonly changesSecretFile: boolean;
}

/**
 * What the live store holds now. Opening it checks it is sealed with `key`,
 * and migrates it. A store that is gone (the data dir was lost, the config
 * dir kept) is created empty, to be filled by the swap.
 */
export async function inspectLiveStore(input: {
  storeFile: string;
  key: DataKey;
  now: number;
}): Promise<StoreFacts> {
  const store = await SqliteStore.open({ file: input.storeFile, key: input.key, create: true });
  await store.close();
  const live = openDatabase(input.storeFile);
  try {
    return storeFacts(live, input.now);
  } finally {
    live.close();
  }
}

export async function prepareRestore(input: {
  backup: OpenedBackup;
  storeFile: string;
  musicAssistantSecretFile: string;
  key: DataKey;
  now: number;
  /** inspectLiveStore's answer at the same `now`, if the caller has it already. */
  current?: StoreFacts;
  onProgress?: OnProgress;
}): Promise<PreparedRestore> {
  const { backup, key } = input;
  const current = input.current ?? (await inspectLiveStore(input));

  const db = openSnapshot(backup.snapshotFile);
  try {
    const found = schemaVersion(db);
    const migrated = migrate(db, backup.file);
    const reseal = writeTransaction(db, () =>
      resealAll(db, backup.snapshotKey, key, input.now, {
        onProgress: (done, total) => input.onProgress?.('re-seal', done, total),
        onBatch: () => crashPoint('restore:reseal'),
      }),
    );
    // openBackup counted this file already; count again only if migrating or
    // re-sealing changed what is counted (re-sealing drops attempt counters;
    // expiring pairings changes no count), or at another `now` (active grants
    // depend on it).
    const unchanged =
      migrated === found && reseal.droppedAttemptCounters === 0 && backup.countedAt === input.now;
    const incoming = unchanged ? backup.facts : storeFacts(db, input.now);
    const secret = backup.manifest.musicAssistantSecret;
    return {
      backup,
      current,
      incoming,
      migratedFrom: migrated !== found ? found : null,
      reseal,
      changesSecretFile:
        secret !== undefined && secret !== (await currentSecret(input.musicAssistantSecretFile)),
    };
  } finally {
    db.close();
  }
}

export interface RestoreResult {
  /** The backup of the store as it was before, for `restore --rollback`; null if there was no store. */
  readonly previous: UncountedBackupSummary | null;
}

/**
 * The live store as it is, sealed with the data key, as
 * `backups/pre-restore-….backup`: what `restore --rollback` goes back to.
 */
export async function savePrevious(input: {
  paths: Paths;
  key: DataKey;
  now: number;
  onProgress?: OnProgress;
}): Promise<UncountedBackupSummary> {
  const { paths } = input;
  return createBackup({
    count: false,
    storeFile: paths.storeFile,
    key: input.key,
    target: await freeName(paths.backupDir, 'pre-restore', input.now),
    seal: { kind: 'data-key' },
    workDir: paths.dataDir,
    musicAssistantSecretFile: paths.introspectionSecretFile,
    now: input.now,
    onProgress: (phase, done, total) => input.onProgress?.(`save current (${phase})`, done, total),
  });
}

export async function commitRestore(
  prepared: PreparedRestore,
  input: {
    paths: Paths;
    key: DataKey;
    now: number;
    onProgress?: OnProgress;
    /**
     * The live store, being saved already by `savePrevious` since the backup
     * was verified (the CLI does that when nothing is asked in between).
     * Absent: it is saved now, beside the swap. Started after
     * inspectLiveStore, which migrates the live store, so that it is at the
     * schema the swap writes.
     */
    saving?: Promise<UncountedBackupSummary>;
    /** Called just before the swap commits: from then on the store may be the restored one. */
    committing?: () => void;
  },
): Promise<RestoreResult> {
  const { paths } = input;
  // Nothing to save when the store was empty (created by prepareRestore).
  // The save reads the store as it is before the swap commits (its own read
  // transaction, WAL), and the swap commits only once the save is complete.
  const saving =
    input.saving ?? (prepared.current.keyId === null ? Promise.resolve(null) : savePrevious(input));
  saving.catch(() => {}); // awaited beside the swap; its failure is the restore's
  const secret = prepared.changesSecretFile ? prepared.backup.manifest.musicAssistantSecret : undefined;
  let previous: UncountedBackupSummary | null = null;
  let committing = false;
  try {
    // Its own failures are StoreErrors; those of the work beside it are thrown as they are.
    await replaceContents(paths.storeFile, prepared.backup.snapshotFile, {
      onTable: (_name, done, total) => input.onProgress?.('swap', done, total),
      // While the copy runs on its own thread: what must hold before it commits.
      alongside: async () => {
        finishVerification(prepared.backup, input.onProgress);
        previous = await saving;
        crashPoint('restore:saved-previous');
        if (secret !== undefined) {
          await stageSecret(paths, secret);
          crashPoint('restore:secret-staged');
        }
      },
      beforeCommit: () => crashPoint('restore:before-commit'),
      committing: () => {
        committing = true;
        input.committing?.();
      },
    });
  } catch (err) {
    // Not swapped: a save taken here was never needed, and left in place it
    // would be what the next --rollback restores. (The caller's own, it removes.)
    if (!committing && input.saving === undefined) {
      const saved = await saving.catch(() => null);
      if (saved) await rm(saved.file, { force: true });
    }
    throw err;
  }
  crashPoint('restore:swapped');
  if (secret !== undefined) {
    await promoteSecret(paths);
    crashPoint('restore:secret');
  }
  await prepared.backup.discard();
  return { previous };
}

/** `backups/<prefix>-2025-01-31T12-00-00Z.backup`, with `-2`, `-3` … if taken. */
export async function freeName(dir: string, prefix: string, now: number): Promise<string> {
  const stamp = new Date(now)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(':', '-');
  let names: Set<string>;
  try {
    names = new Set(await readdir(dir));
  } catch {
    names = new Set();
  }
  for (let n = 1; ; n++) {
    const name = `${prefix}-${stamp}${n === 1 ? '' : `-${n}`}.backup`;
    if (!names.has(name)) return join(dir, name);
  }
}

/** The newest `pre-restore-….backup`: what `restore --rollback` restores. */
export async function latestPreRestore(dir: string): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const candidates = names.filter((n) => /^pre-restore-.*\.backup$/.test(n)).sort(byStampThenCounter);
  const last = candidates.at(-1);
  return last ? join(dir, last) : null;
}

function byStampThenCounter(a: string, b: string): number {
  const key = (n: string) => {
    const m = /^pre-restore-(.+?)(?:-(\d+))?\.backup$/.exec(n);
    return [m?.[1] ?? '', Number(m?.[2] ?? 1)] as const;
  };
  const [sa, ca] = key(a);
  const [sb, cb] = key(b);
  return sa < sb ? -1 : sa > sb ? 1 : ca - cb;
}
