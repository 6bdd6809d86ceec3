/** Are a legacy server's files here that were never migrated? (src/ops/legacy-notice.ts finds them.) */
import { findLegacyClientsFile, legacySearchDirs, pendingLegacyMigration } from '../../legacy-notice.js';
import { type Check, ok, problem, skipped } from '../check.js';

export const legacyCheck: Check = {
  id: 'legacy',
  title: 'legacy server',
  async run(ctx) {
    const { env } = ctx.deps;
    const file = findLegacyClientsFile(env);
    if (!file) {
      const dirs = legacySearchDirs(env);
      return ok(dirs.length ? `no legacy oauth_clients.json in ${dirs.join(', ')}` : 'not looked for');
    }
    const store = await ctx.store();
    if (!store.ok) return skipped(`found ${file}; needs a sound store to tell whether it was migrated`);
    const notice = await pendingLegacyMigration(store.value.store, env);
    if (!notice) return ok(`${file} found, and its data was migrated`);
    return problem(
      `the legacy server's ${notice.clientsFile} is here and nothing from it was migrated: existing Alexa links break when it stops`,
      "Export the legacy server's tokens before stopping it (docs/migration.md), then run: " +
        `${notice.command} (with --dry-run first to see what it would do).`,
    );
  },
};
