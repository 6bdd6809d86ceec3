/**
 * Noticing a legacy server's files (DESIGN.md "Flows → migrate"): the legacy
 * server read `oauth_clients.json` from `$MASS_CONFIG_DIR`, `/data` or
 * `/config`. When one is there and no migration is on record, the owner is told
 * the exact `ma-auth migrate` command:
 *
 * - by `ma-auth status`, once per store: the first status that finds the file
 *   says so and records that it did (the command also stays in `--json`);
 * - by the listener, once per process, as a warning at start-up: a daemon's
 *   log is where its operator looks, and one line per start is not a nag.
 *
 * `MA_AUTH_LEGACY_DIRS` (a PATH-style list; empty = look nowhere) replaces the
 * search roots, for tests and unusual layouts.
 */
import { statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Env } from '../config/paths.js';
import type { Store } from '../store/store.js';

export const LEGACY_CLIENTS_FILE = 'oauth_clients.json';

export function legacySearchDirs(env: Env): string[] {
  if (env.MA_AUTH_LEGACY_DIRS !== undefined) return env.MA_AUTH_LEGACY_DIRS.split(delimiter).filter(Boolean);
  return [...(env.MASS_CONFIG_DIR ? [env.MASS_CONFIG_DIR] : []), '/data', '/config'];
}

/** The first legacy `oauth_clients.json` in the search roots, or null. */
export function findLegacyClientsFile(env: Env): string | null {
  for (const dir of legacySearchDirs(env)) {
    const file = join(dir, LEGACY_CLIENTS_FILE);
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      // not there (or not readable): look on
    }
  }
  return null;
}

export interface LegacyNotice {
  readonly clientsFile: string;
  /** The command to run, with the file found; the dump is the owner's export (docs/migration.md). */
  readonly command: string;
}

/** A legacy file is present and no migration is on record. */
export async function pendingLegacyMigration(store: Store, env: Env): Promise<LegacyNotice | null> {
  const clientsFile = findLegacyClientsFile(env);
  if (!clientsFile) return null;
  const { migration } = await store.legacyStatus();
  return migration ? null : { clientsFile, command: migrateCommand(clientsFile) };
}

export function migrateCommand(clientsFile: string): string {
  return `ma-auth migrate --from legacy-dump.json --clients ${shellQuote(clientsFile)}`;
}

export function noticeText(notice: LegacyNotice): string {
  return [
    `Legacy Alexa OAuth server data found: ${notice.clientsFile}`,
    'Nothing from it has been migrated. To keep existing Alexa links working, export the',
    "legacy server's tokens BEFORE stopping it (docs/migration.md), then run:",
    `  ${notice.command}`,
    '(ma-auth migrate --dry-run … shows what it would do first.)',
  ].join('\n');
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * For `ma-auth status`: the pending migration, and whether this is the first
 * time it is told to a person (recorded in the store, so the text notice
 * appears once). `record: false` (`--json`, a script) reports without using up
 * the person's notice.
 */
export async function statusLegacyNotice(
  store: Store,
  env: Env,
  now: number,
  record: boolean,
): Promise<(LegacyNotice & { readonly firstNotice: boolean }) | null> {
  const notice = await pendingLegacyMigration(store, env);
  if (!notice) return null;
  return { ...notice, firstNotice: record ? await store.markLegacyNoticeShown(now) : false };
}

/**
 * For the listener's start-up: one warning per process. Best effort: a failure
 * to look is logged at debug level and never stops the listener.
 */
export async function logLegacyNotice(
  store: Store,
  env: Env,
  log: {
    warn(msg: string, fields?: Record<string, unknown>): void;
    debug(msg: string, fields?: Record<string, unknown>): void;
  },
): Promise<void> {
  try {
    const notice = await pendingLegacyMigration(store, env);
    if (!notice) return;
    log.warn(
      'legacy OAuth server data found and nothing migrated: existing Alexa links need ma-auth migrate (docs/migration.md)',
      { clientsFile: notice.clientsFile, command: notice.command },
    );
  } catch (err) {
    log.debug('could not look for legacy server data', { err });
  }
}
