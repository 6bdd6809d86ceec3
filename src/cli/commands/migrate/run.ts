/**
 * `ma-auth migrate` (DESIGN.md "Flows → migrate"): the operation is
 * src/ops/migrate; this module reads the flags, shows progress on a terminal
 * and prints the report.
 */
import { findLegacyClientsFile } from '../../../ops/legacy-notice.js';
import { MigrateInputError, type MigratePhase, migrateLegacy } from '../../../ops/migrate/migrate.js';
import { SqliteStore } from '../../../store/sqlite/sqlite-store.js';
import { type Deps, loadInstall } from '../../deps.js';
import { CliError } from '../../errors.js';
import { EXIT } from '../../exit-codes.js';
import { emitJson } from '../../io.js';
import type { MigrateFlags } from './index.js';
import { type Progress, terminalProgress } from './progress.js';
import { jsonReport, renderReport } from './render.js';

/**
 * Test seam: fail the import after this many grants were written (inside the
 * transaction), to show that a failure keeps nothing. Never set it otherwise.
 */
export const FAIL_AFTER_ENV = 'MA_AUTH_TEST_MIGRATE_FAIL_AFTER';

export async function runMigrate(flags: MigrateFlags, deps: Deps): Promise<void> {
  const { config, resolved } = await loadInstall(deps);
  const store = await SqliteStore.open({ file: deps.paths.storeFile, key: resolved.key });
  const progress: Progress | null =
    !flags.json && deps.io.stderr.isTTY ? terminalProgress(deps.io.stderr) : null;
  const failAfter = Number(deps.env[FAIL_AFTER_ENV] ?? Number.NaN);
  const onProgress = (phase: MigratePhase, done: number, total: number) => {
    progress?.update(phase, done, total);
    if (phase === 'writing' && done >= failAfter) {
      throw new Error(`${FAIL_AFTER_ENV}: simulated failure after ${done} of ${total} grants`);
    }
  };
  let report: Awaited<ReturnType<typeof migrateLegacy>>;
  try {
    report = await migrateLegacy(store, {
      dumpFile: flags.from,
      clientsFile: flags.clients,
      dryRun: Boolean(flags.dryRun),
      now: deps.now(),
      accessTokenTtl: config.accessTokenTtl,
      refreshIdleTtl: config.refreshIdleTtl,
      onProgress,
    });
  } catch (err) {
    if (err instanceof MigrateInputError) throw new CliError(EXIT.usage, err.message, { cause: err });
    throw new CliError(
      EXIT.error,
      `migration failed, nothing was changed: ${(err as Error)?.message ?? String(err)}`,
      { cause: err },
    );
  } finally {
    progress?.end();
    await store.close();
  }
  const found = flags.clients ? null : findLegacyClientsFile(deps.env);
  if (flags.json) emitJson(deps.io, jsonReport(report));
  else deps.io.out(renderReport(report, { color: deps.io.color(), clientsFileFound: found }));
}
