/**
 * Is what holds a secret private? The key file, the store (and its WAL), the
 * Music Assistant secret and the listener log are 0600; the config and data
 * folders let no other user in and no group write.
 */
import { stat } from 'node:fs/promises';
import { type Check, ok, problem, shellWord, skipped, warning } from '../check.js';

interface Finding {
  readonly path: string;
  readonly mode: number;
  readonly want: string;
  readonly command: string;
}

export const permissionsCheck: Check = {
  id: 'permissions',
  title: 'file permissions',
  async run(ctx) {
    if ((ctx.deps.platform ?? process.platform) === 'win32') return skipped('not checked on Windows');
    const { paths, env } = ctx.deps;
    const findings: Finding[] = [];
    const dir = async (path: string) => {
      const mode = await modeOf(path);
      if (mode !== null && mode & 0o027) {
        findings.push({
          path,
          mode,
          want: 'no access for others, no group write',
          command: `chmod 700 ${shellWord(path)}`,
        });
      }
    };
    const privateFile = async (path: string) => {
      const mode = await modeOf(path);
      if (mode !== null && mode & 0o077) {
        findings.push({ path, mode, want: '0600', command: `chmod 600 ${shellWord(path)}` });
      }
    };
    await dir(paths.configDir);
    await dir(paths.dataDir);
    for (const file of [
      paths.keyFile,
      paths.introspectionSecretFile,
      paths.configFile,
      paths.storeFile,
      `${paths.storeFile}-wal`,
      `${paths.storeFile}-shm`,
      paths.logFile,
      paths.pidFile,
    ]) {
      await privateFile(file);
    }
    if (findings.length > 0) {
      return problem(
        findings
          .map((f) => `${f.path} is ${f.mode.toString(8).padStart(4, '0')} (want ${f.want})`)
          .join('; '),
        findings.map((f) => f.command).join(' && '),
      );
    }
    const keyFile = env.MA_AUTH_KEY_FILE;
    const keyFileMode = keyFile ? await modeOf(keyFile) : null;
    if (keyFile && keyFileMode !== null && keyFileMode & 0o004) {
      return warning(
        `MA_AUTH_KEY_FILE ${keyFile} is readable by every user (${keyFileMode.toString(8).padStart(4, '0')})`,
        `On a shared host: chmod 640 ${shellWord(keyFile)} (or 600), owned by the user that runs ma-auth. ` +
          'Inside a container that only ma-auth uses, this is harmless.',
      );
    }
    return ok('key, store, secrets and log are 0600; config and data folders are private');
  },
};

/** Permission bits (of a symlink's target), or null when the path does not exist. */
async function modeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mode & 0o777;
  } catch {
    return null;
  }
}
