/**
 * What the checks share, loaded at most once and only when a check asks: the
 * config, the data key, the store (opened without the key, so a wrong key
 * does not hide the store's own state). A check that needs something that
 * failed to load is skipped; the check that owns it reports the problem.
 */
import { existsSync } from 'node:fs';
import { type Config, loadConfig } from '../../config/config.js';
import type { Env, Paths } from '../../config/paths.js';
import type { KeySource } from '../../keys/source.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import { resolveStoreKey, type StoreKey } from '../key-recovery.js';

export interface DoctorDeps {
  readonly env: Env;
  readonly paths: Paths;
  readonly now: () => number;
  /** This ma-auth's version, compared with the listener's. */
  readonly version: string;
  /** GET /health on an address: what an ma-auth listener said, or null when none answered. */
  readonly probe: (listen: { host: string; port: number }) => Promise<{ readonly version: string } | null>;
  /** Test seam for the OS keychain. */
  readonly keychain?: KeySource | undefined;
  readonly platform?: NodeJS.Platform;
}

export type Loaded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

/** The store as the checks see it: open, and sound by `PRAGMA integrity_check`. */
export interface SoundStore {
  readonly store: SqliteStore;
}

export interface DoctorContext {
  readonly deps: DoctorDeps;
  config(): Promise<Loaded<Config>>;
  /** The key the store is sealed with, as every command finds it — but an interrupted rotation is not finished here. */
  key(): Promise<Loaded<StoreKey>>;
  /** Opened without the key, and sound by `PRAGMA integrity_check` (else the error is a DamagedStore). */
  store(): Promise<Loaded<SoundStore>>;
  close(): Promise<void>;
}

export function doctorContext(deps: DoctorDeps): DoctorContext {
  const once = <T>(load: () => Promise<T>) => {
    let promise: Promise<T> | null = null;
    return () => (promise ??= load());
  };
  const settle = async <T>(load: () => Promise<T>): Promise<Loaded<T>> => {
    try {
      return { ok: true, value: await load() };
    } catch (error) {
      return { ok: false, error };
    }
  };
  let opened: SqliteStore | null = null;
  const config = once(() => settle(() => loadConfig(deps.paths.configFile)));
  const key = once(async (): Promise<Loaded<StoreKey>> => {
    const c = await config();
    if (!c.ok) return c;
    const { env, paths, keychain } = deps;
    const options = { env, paths, keychain, keyStore: c.value.keyStore, storeFile: paths.storeFile };
    // Doctor changes nothing: report an interrupted rotation, leave finishing it to the next command.
    return settle(() => resolveStoreKey({ ...options, dataDir: paths.dataDir }, { promote: false }));
  });
  const store = once(async (): Promise<Loaded<SoundStore>> => {
    const file = deps.paths.storeFile;
    // Opening creates nothing when the file is missing, but say so plainly.
    if (!existsSync(file)) return { ok: false, error: new MissingStore(file) };
    const result = await settle(() => SqliteStore.open({ file }));
    if (!result.ok) return result;
    opened = result.value;
    const findings = await opened.integrityCheck();
    if (findings.length > 0) return { ok: false, error: new DamagedStore(file, findings) };
    return { ok: true, value: { store: opened } };
  });
  return {
    deps,
    config,
    key,
    store,
    close: async () => {
      await opened?.close();
    },
  };
}

export class MissingStore extends Error {
  constructor(readonly file: string) {
    super(`no store at ${file}`);
  }
}

export class DamagedStore extends Error {
  constructor(
    readonly file: string,
    readonly findings: readonly string[],
  ) {
    super(`the store ${file} is damaged: ${findings.slice(0, 3).join('; ')}`);
  }
}
