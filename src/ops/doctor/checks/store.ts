/** Does the store open, and does SQLite's integrity check pass? */
import { StoreError } from '../../../store/errors.js';
import { type Check, ok, problem, shellWord } from '../check.js';
import { DamagedStore, MissingStore } from '../context.js';

export const storeCheck: Check = {
  id: 'store',
  title: 'store',
  async run(ctx) {
    const file = ctx.deps.paths.storeFile;
    const damagedFix =
      'Stop the listener, move the damaged file aside ' +
      `(mv ${shellWord(file)} ${shellWord(`${file}.damaged`)}, and its -wal and -shm files), ` +
      'then restore your newest backup: ma-auth restore <backup file>.';
    const loaded = await ctx.store();
    if (loaded.ok) {
      return ok(`${file}, schema v${await loaded.value.store.schemaVersion()}, integrity check passed`);
    }
    const err = loaded.error;
    if (err instanceof MissingStore) {
      const configured = (await ctx.config()).ok;
      return problem(
        `no store at ${file}`,
        configured
          ? 'The config exists but the store is gone: restore your newest backup (ma-auth restore <backup file>), ' +
              'or check MA_AUTH_HOME / the data volume points where the store lives.'
          : 'Set up ma-auth: ma-auth init.',
      );
    }
    if (err instanceof DamagedStore) {
      return problem(`PRAGMA integrity_check failed: ${err.findings.slice(0, 3).join('; ')}`, damagedFix);
    }
    if (err instanceof StoreError && err.code === 'corrupt') return problem(err.message, damagedFix);
    if (err instanceof StoreError && err.code === 'newer_schema') {
      return problem(err.message, 'Install the newer ma-auth that wrote it (npm install -g ma-auth@latest).');
    }
    if (err instanceof StoreError) {
      return problem(
        err.message,
        `Check that ${shellWord(file)} and its folder are readable and writable by this user.`,
      );
    }
    throw err;
  },
};
