/**
 * `ma-auth restore FILE` / `ma-auth restore --rollback`: verify everything,
 * show what changes, confirm, then save the current store and swap. With
 * `--yes` there is nothing to confirm, and the current store is saved while
 * the backup is verified.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fingerprint } from '../../../keys/data-key.js';
import type { UncountedBackupSummary } from '../../../ops/backup/create.js';
import { type OpenedBackup, openBackup, readBackupInfo } from '../../../ops/backup/open.js';
import { acquireOpsLock } from '../../../ops/ops-lock.js';
import {
  commitRestore,
  inspectLiveStore,
  latestPreRestore,
  type PreparedRestore,
  prepareRestore,
  savePrevious,
} from '../../../ops/restore/restore.js';
import { type Deps, loadInstall } from '../../deps.js';
import { CliError, usageError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { readPassphrase } from '../../passphrase.js';
import { progressLine } from '../../progress.js';
import { opsCliError } from '../backup/errors.js';
import { ageText, factsJson, SHOWN_TABLES, sealedWithText } from '../backup/render.js';
import type { RestoreFlags } from './index.js';

export async function runRestore(file: string | undefined, flags: RestoreFlags, deps: Deps): Promise<void> {
  if (flags.rollback && file) throw usageError('give a backup file or --rollback, not both');
  if (!flags.rollback && !file) throw usageError('which backup? e.g. ma-auth restore FILE (or --rollback)');
  if (!flags.yes && (flags.json || !deps.io.canPrompt())) {
    throw usageError(
      `${flags.json ? 'with --json' : 'without a terminal to ask on'}, confirm with --yes. Example:\n` +
        `  ma-auth restore ${file ?? '--rollback'} --yes${flags.json ? ' --json' : ''}\nNothing was changed.`,
    );
  }
  const { resolved } = await loadInstall(deps).catch((err) => {
    throw withSetupHint(err);
  });
  const key = resolved.key;
  const lock = await acquireOpsLock(deps.paths.dataDir, 'restore').catch((err) => {
    throw opsCliError(err);
  });
  const progress = progressLine(deps.io, !flags.json);
  let opened: OpenedBackup | null = null;
  // With --yes, the store as it is (for --rollback), saved while the backup is verified.
  const early: { saving?: Promise<UncountedBackupSummary>; swapping?: boolean } = {};
  try {
    const source = flags.rollback ? await latestPreRestore(deps.paths.backupDir) : resolve(file as string);
    if (!source) {
      throw new CliError(
        EXIT.error,
        `nothing to roll back: no pre-restore backup in ${deps.paths.backupDir}`,
      );
    }
    await readBackupInfo(source); // a newer schema or a damaged header is refused before any question
    // One `now` for verifying and preparing, so prepareRestore can reuse openBackup's counts of the backup.
    const now = deps.now();
    // Counting the live store (a third of a second at 100,000 grants) while
    // scrypt runs; only an existing store, so a refused backup never leaves
    // an empty one behind (prepareRestore creates it).
    let current: PreparedRestore['current'] | undefined;
    const storeFile = deps.paths.storeFile;
    opened = await openBackup({
      file: source,
      passphrase: () =>
        readPassphrase(deps, {
          fromStdin: Boolean(flags.passphraseStdin),
          purpose: 'open',
        }),
      currentKey: key,
      workDir: deps.paths.dataDir,
      now,
      onProgress: progress.onProgress,
      // The swap copies the snapshot's indexes (replace.ts): they are rebuilt from the rows.
      rebuildIndexes: true,
      // Nothing is asked before the swap: its foreign keys are checked and
      // its values opened beside it, and it commits only if all of that
      // passes (commitRestore).
      deferChecks: Boolean(flags.yes),
      whileKeyDerives: async () => {
        if (!existsSync(storeFile)) return;
        current = await inspectLiveStore({ storeFile, key, now });
        // Nothing is asked between verifying and swapping: save the store
        // now, and the save overlaps the verification (scrypt, decryption,
        // the index rebuild on its own thread) instead of following it. What
        // a running listener writes meanwhile is not in the save — nor in the
        // restored store, which the swap replaces whole.
        if (flags.yes && current.keyId !== null) {
          early.saving = savePrevious({ paths: deps.paths, key, now });
          early.saving.catch(() => {}); // awaited below; its failure is the restore's
        }
      },
    });
    const prepared = await prepareRestore({
      backup: opened,
      storeFile: deps.paths.storeFile,
      musicAssistantSecretFile: deps.paths.introspectionSecretFile,
      key,
      now,
      ...(current ? { current } : {}),
      onProgress: progress.onProgress,
    });
    progress.end();
    if (!flags.json) deps.io.out(renderPlan(prepared, key.id, deps.now(), Boolean(flags.rollback)));
    if (!flags.yes) {
      const go = await deps.prompter.confirm({
        message: 'Restore this backup over the current store?',
        default: false,
      });
      if (!go) throw new CliError(EXIT.error, 'not restored. Nothing was changed.');
    }
    const result = await commitRestore(prepared, {
      paths: deps.paths,
      key,
      now: deps.now(),
      onProgress: progress.onProgress,
      ...(early.saving ? { saving: early.saving } : {}),
      committing: () => {
        early.swapping = true;
      },
    });
    progress.end();
    if (flags.json) {
      deps.io.out(
        JSON.stringify({
          event: flags.rollback ? 'rolled_back' : 'restored',
          file: source,
          backupCreatedAt: opened.header.createdAt,
          sealedWith: opened.header.sealedWith,
          backupKeyId: opened.header.keyId,
          keyId: key.id,
          migratedFrom: prepared.migratedFrom,
          resealed: prepared.reseal.values,
          expiredPairings: prepared.reseal.expiredPairings,
          droppedAttemptCounters: prepared.reseal.droppedAttemptCounters,
          before: factsJson(prepared.current),
          after: factsJson(prepared.incoming),
          previous: result.previous?.file ?? null,
        }),
      );
      return;
    }
    deps.io.out(
      [
        flags.rollback ? 'Rolled back.' : 'Restored.',
        result.previous
          ? `The store as it was is saved in ${result.previous.file}; undo with: ma-auth restore --rollback`
          : 'There was no store before, so there is nothing to roll back to.',
        'A running listener already serves the restored store.',
      ].join('\n'),
    );
  } catch (err) {
    progress.end();
    throw opsCliError(err);
  } finally {
    await opened?.discard();
    // Refused before the swap: a save taken early was never needed, and left
    // in place it would be what the next --rollback restores.
    if (early.saving && !early.swapping) {
      const saved = await early.saving.catch(() => null);
      if (saved) await rm(saved.file, { force: true });
    }
    await lock.release();
  }
}

function renderPlan(p: PreparedRestore, keyId: string, now: number, rollback: boolean): string {
  const h = p.backup.header;
  const made = Date.parse(h.createdAt);
  const lines = [
    `${rollback ? 'Roll back to' : 'Backup'}  ${p.backup.file}`,
    `  made ${h.createdAt} (${ageText(now - made)}), ${sealedWithText(h)}, schema v${h.schemaVersion}` +
      (p.migratedFrom !== null ? ` (migrated to v${p.incoming.schemaVersion})` : ''),
    '',
    `${''.padEnd(22)}${'now'.padStart(8)}${'backup'.padStart(9)}`,
  ];
  for (const [table, label] of SHOWN_TABLES) {
    const before = p.current.tables[table] ?? 0;
    const after = p.incoming.tables[table] ?? 0;
    lines.push(`  ${label.padEnd(20)}${String(before).padStart(8)}${String(after).padStart(9)}`);
  }
  lines.push(
    `  ${'active grants'.padEnd(20)}${String(p.current.activeGrants).padStart(8)}${String(p.incoming.activeGrants).padStart(9)}`,
    '',
  );
  if (h.keyId !== keyId) {
    lines.push(
      `Sealed fields are re-sealed from the backup's data key ${fingerprint(h.keyId)} to this install's ${fingerprint(keyId)}.`,
    );
    const { expiredPairings, droppedAttemptCounters } = p.reseal;
    if (expiredPairings || droppedAttemptCounters) {
      lines.push(
        `Dropped (keyed to the other key, and short-lived): ${expiredPairings} pairings waiting for their code (pair again), ${droppedAttemptCounters} failed-attempt counters.`,
      );
    }
  }
  if (p.changesSecretFile) lines.push("Music Assistant's client secret file is replaced by the backup's.");
  lines.push('Tokens issued after the backup was made stop working; those in the backup work again.');
  return lines.join('\n');
}

function withSetupHint(err: unknown): unknown {
  const cli = opsCliError(err, false);
  if (cli.exitCode !== EXIT.notInitialised) return cli;
  return new CliError(
    EXIT.notInitialised,
    `${cli.message}\nTo restore onto a new machine: set up first (ma-auth init …, any key store), then ma-auth restore FILE — the backup is re-sealed under the new install's key.`,
    { cause: err },
  );
}
