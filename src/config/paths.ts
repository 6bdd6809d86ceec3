/**
 * Where ma-auth keeps things, by platform convention.
 *
 * - `MA_AUTH_HOME` (containers): `<home>/config` and `<home>/data`.
 * - Linux and other Unix: XDG base directories (`$XDG_CONFIG_HOME/ma-auth`,
 *   `$XDG_DATA_HOME/ma-auth`), defaulting to `~/.config` and `~/.local/share`.
 * - macOS: `~/Library/Application Support/ma-auth/{config,data}`.
 * - Windows: `%APPDATA%\ma-auth` and `%LOCALAPPDATA%\ma-auth`.
 *
 * The key file lives in the config dir and never in the data dir, so a copy of
 * the data dir (where the store is) never carries the key that opens it.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Paths {
  readonly configDir: string;
  readonly dataDir: string;
  readonly configFile: string;
  readonly keyFile: string;
  /** The Music Assistant introspection client's secret, for Music Assistant to read. */
  readonly introspectionSecretFile: string;
  readonly storeFile: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly backupDir: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

export function resolvePaths(env: Env = process.env, platform: NodeJS.Platform = process.platform): Paths {
  const { configDir, dataDir } = baseDirs(env, platform);
  return {
    configDir,
    dataDir,
    configFile: join(configDir, 'config.json'),
    keyFile: join(configDir, 'data.key'),
    introspectionSecretFile: join(configDir, 'music-assistant-client.secret'),
    storeFile: join(dataDir, 'ma-auth.db'),
    pidFile: join(dataDir, 'listener.pid'),
    logFile: join(dataDir, 'listener.log'),
    backupDir: join(dataDir, 'backups'),
  };
}

function baseDirs(env: Env, platform: NodeJS.Platform): { configDir: string; dataDir: string } {
  if (env.MA_AUTH_HOME) {
    const home = resolve(env.MA_AUTH_HOME);
    return { configDir: join(home, 'config'), dataDir: join(home, 'data') };
  }
  const home = env.HOME || homedir();
  if (platform === 'win32') {
    const roaming = env.APPDATA || join(home, 'AppData', 'Roaming');
    const local = env.LOCALAPPDATA || join(home, 'AppData', 'Local');
    return { configDir: join(roaming, 'ma-auth'), dataDir: join(local, 'ma-auth') };
  }
  if (platform === 'darwin') {
    const base = join(home, 'Library', 'Application Support', 'ma-auth');
    return { configDir: join(base, 'config'), dataDir: join(base, 'data') };
  }
  const xdgConfig = absoluteOr(env.XDG_CONFIG_HOME, join(home, '.config'));
  const xdgData = absoluteOr(env.XDG_DATA_HOME, join(home, '.local', 'share'));
  return { configDir: join(xdgConfig, 'ma-auth'), dataDir: join(xdgData, 'ma-auth') };
}

/** XDG: a relative path in an XDG variable is invalid and must be ignored. */
function absoluteOr(value: string | undefined, fallback: string): string {
  return value?.startsWith('/') ? value : fallback;
}
