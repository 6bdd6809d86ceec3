/**
 * `ma-auth backup [FILE]` and `ma-auth backup --verify FILE`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fingerprint } from '../../../keys/data-key.js';
import { type BackupSeal, type BackupSummary, createBackup } from '../../../ops/backup/create.js';
import { openBackup, readBackupInfo } from '../../../ops/backup/open.js';
import { acquireOpsLock } from '../../../ops/ops-lock.js';
import { freeName } from '../../../ops/restore/restore.js';
import { type Deps, loadInstall } from '../../deps.js';
import { usageError } from '../../errors.js';
import { readPassphrase } from '../../passphrase.js';
import { progressLine } from '../../progress.js';
import { opsCliError } from './errors.js';
import type { BackupFlags } from './index.js';
import { factsJson, factsLine, sealedWithText, sizeText } from './render.js';

export async function runBackup(file: string | undefined, flags: BackupFlags, deps: Deps): Promise<void> {
  if (flags.verify) {
    if (!file) throw usageError('--verify needs the backup file to check, e.g. ma-auth backup --verify FILE');
    if (flags.withKey) throw usageError('--with-key goes with writing a backup, not with --verify');
    return verify(resolve(file), flags, deps);
  }
  if (flags.withKey && flags.passphraseStdin) {
    throw usageError('choose one: --with-key (sealed with the data key) or --passphrase-stdin');
  }
  if (!flags.withKey && !flags.passphraseStdin && !deps.io.canPrompt()) {
    throw usageError(
      'without a terminal to ask for a passphrase on, say how to seal the backup: --passphrase-stdin (passphrase on stdin) or --with-key (the data key; for schedules). Nothing was written.',
    );
  }
  const { resolved } = await loadInstall(deps);
  const lock = await acquireOpsLock(deps.paths.dataDir, 'backup').catch((err) => {
    throw opsCliError(err);
  });
  const progress = progressLine(deps.io, !flags.json);
  const stop = onInterrupt();
  try {
    const seal: BackupSeal = flags.withKey
      ? { kind: 'data-key' }
      : {
          kind: 'passphrase',
          passphrase: await readPassphrase(deps, {
            fromStdin: Boolean(flags.passphraseStdin),
            purpose: 'seal',
            alternative: 'or seal it with the data key: --with-key',
          }),
        };
    const target = file ? resolve(file) : await freeName(deps.paths.backupDir, 'ma-auth', deps.now());
    const summary = await createBackup({
      storeFile: deps.paths.storeFile,
      key: resolved.key,
      target,
      seal,
      workDir: deps.paths.dataDir,
      musicAssistantSecretFile: deps.paths.introspectionSecretFile,
      now: deps.now(),
      onProgress: progress.onProgress,
      interrupted: stop.interrupted,
    });
    progress.end();
    report(summary, flags, deps);
  } catch (err) {
    progress.end();
    throw opsCliError(err);
  } finally {
    stop.off();
    await lock.release();
  }
}

function report(summary: BackupSummary, flags: BackupFlags, deps: Deps): void {
  if (flags.json) {
    deps.io.out(
      JSON.stringify({
        event: 'backup',
        file: summary.file,
        bytes: summary.bytes,
        createdAt: summary.createdAt,
        sealedWith: summary.sealedWith,
        keyId: summary.keyId,
        keyFingerprint: fingerprint(summary.keyId),
        counts: factsJson(summary.facts),
      }),
    );
    return;
  }
  deps.io.out(
    [
      `Backup written: ${summary.file} (${sizeText(summary.bytes)}, ${sealedWithText(summary)})`,
      `  store    schema v${summary.schemaVersion}, data key ${fingerprint(summary.keyId)}: ${factsLine(summary.facts)}`,
      `  check    ma-auth backup --verify ${summary.file}`,
      `  restore  ma-auth restore ${summary.file}`,
      summary.sealedWith === 'passphrase'
        ? 'Keep the passphrase apart from this machine: without it the backup cannot be opened.'
        : 'This backup opens only with the current data key (not after ma-auth rotate-key); for a disaster copy use a passphrase.',
    ].join('\n'),
  );
}

async function verify(file: string, flags: BackupFlags, deps: Deps): Promise<void> {
  const info = await readBackupInfo(file).catch((err) => {
    throw opsCliError(err, false);
  });
  // The data key is needed only for a backup sealed with it; a passphrase backup verifies anywhere.
  const currentKey =
    info.header.sealedWith === 'data-key'
      ? await loadInstall(deps).then(
          (i) => i.resolved.key,
          () => null,
        )
      : null;
  const scratch = existsSync(deps.paths.dataDir) ? null : await mkdtemp(join(tmpdir(), 'ma-auth-verify-'));
  const progress = progressLine(deps.io, !flags.json);
  try {
    const opened = await openBackup({
      file,
      passphrase: () => readPassphrase(deps, { fromStdin: Boolean(flags.passphraseStdin), purpose: 'open' }),
      currentKey,
      workDir: scratch ?? deps.paths.dataDir,
      now: deps.now(),
      onProgress: progress.onProgress,
    });
    await opened.discard();
    progress.end();
    const { header } = opened;
    if (flags.json) {
      deps.io.out(
        JSON.stringify({
          event: 'verified',
          file,
          bytes: opened.bytes,
          createdAt: header.createdAt,
          sealedWith: header.sealedWith,
          keyId: header.keyId,
          keyFingerprint: fingerprint(header.keyId),
          counts: factsJson(opened.facts),
        }),
      );
      return;
    }
    deps.io.out(
      [
        `Backup OK: ${file} (${sizeText(opened.bytes)}, ${sealedWithText(header)}, made ${header.createdAt})`,
        `  store    schema v${header.schemaVersion}, data key ${fingerprint(header.keyId)}: ${factsLine(opened.facts)}`,
        '  every chunk authenticated, SQLite integrity check passed, every sealed value opens',
      ].join('\n'),
    );
  } catch (err) {
    progress.end();
    throw opsCliError(err, false);
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

/** Ctrl-C (or SIGTERM, SIGHUP) during a backup: stop at the next chunk and remove what was written. */
export function onInterrupt(): { interrupted: () => boolean; off: () => void } {
  let interrupted = false;
  const handler = () => {
    interrupted = true;
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, handler);
  return {
    interrupted: () => interrupted,
    off: () => {
      for (const s of signals) process.off(s, handler);
    },
  };
}
