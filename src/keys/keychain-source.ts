/**
 * The data key in the OS keychain: macOS Keychain, Windows Credential Manager,
 * or the Secret Service on Linux (gnome-keyring, KeePassXC, KWallet's bridge).
 *
 * One entry per install: service `ma-auth`, account `data-key:<16 hex of
 * sha256(configDir)>`, so installs with different MA_AUTH_HOME never share or
 * overwrite each other's key, and the account name does not reveal the path.
 */
import type * as Keyring from '@napi-rs/keyring';
import { CryptoError } from '../crypto/errors.js';
import { sha256Hex } from '../crypto/hash.js';
import { type DataKey, decodeKey, encodeKey } from './data-key.js';
import { type KeySource, KeySourceError } from './source.js';

const SERVICE = 'ma-auth';

/**
 * Pinned to the Secret Service on Linux. Left to its default, the library
 * silently falls back to the kernel keyring (keyutils) when no Secret Service
 * is reachable, and the kernel keyring forgets everything on reboot: the key
 * would seem stored, and the data sealed with it would be lost at the next boot.
 * Pinned, an unreachable Secret Service is an error the owner can act on.
 */
const ENTRY_OPTIONS: Keyring.EntryOptions = {
  linux: { store: 'secret-service' satisfies Keyring.LinuxStore },
};

// Loaded on first use: most commands never touch the keychain and should not
// pay for loading (or fail on) the native module.
let keyringModule: Promise<typeof Keyring> | undefined;

/**
 * `slot: 'staged'` is a second entry (account `data-key-staged:…`) holding a
 * new key during `rotate-key`, until it is promoted (src/keys/staging.ts).
 */
export function keychainKeySource(configDir: string, slot: 'current' | 'staged' = 'current'): KeySource {
  const account = `${slot === 'staged' ? 'data-key-staged' : 'data-key'}:${sha256Hex(configDir).slice(0, 16)}`;
  const location = describeLocation(`service "${SERVICE}", account "${account}"`);

  async function entry(): Promise<Keyring.AsyncEntry> {
    let mod: typeof Keyring;
    try {
      keyringModule ??= import('@napi-rs/keyring');
      mod = await keyringModule;
    } catch (err) {
      throw new KeySourceError(location, `cannot load the OS keychain module (${reason(err)})`, {
        cause: err,
      });
    }
    // On Linux the constructor already connects to D-Bus, so it can throw too.
    return call(() => new mod.AsyncEntry(SERVICE, account, ENTRY_OPTIONS));
  }

  async function call<T>(op: () => T | Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw new KeySourceError(location, explain(err), { cause: err });
    }
  }

  async function read(): Promise<DataKey | null> {
    const e = await entry();
    // getSecret (raw bytes) rather than getPassword: a value that is not UTF-8
    // then reaches our own validation, whose message never quotes the value.
    const secret = await call(() => e.getSecret());
    if (secret === null) return null;
    try {
      return decodeKey(Buffer.from(secret).toString('utf8'));
    } catch (err) {
      if (err instanceof CryptoError) {
        throw new KeySourceError(location, `the stored value is not an ma-auth data key: ${err.message}`);
      }
      throw err;
    }
  }

  return {
    kind: 'keychain',
    location,
    read,
    async write(key: DataKey) {
      const e = await entry();
      await call(() => e.setPassword(encodeKey(key)));
      // Read it back: a keychain that accepted the write but did not keep the key
      // must fail init now, not leave data sealed with a key that is gone.
      const stored = await read();
      if (stored?.id !== key.id) {
        throw new KeySourceError(
          location,
          'the keychain accepted the key but does not return it when read back',
        );
      }
    },
    async remove() {
      const e = await entry();
      // false just means there was nothing to delete, which is fine.
      await call(() => e.deleteCredential());
    },
  };
}

function describeLocation(entry: string): string {
  switch (process.platform) {
    case 'darwin':
      return `macOS Keychain (${entry})`;
    case 'win32':
      return `Windows Credential Manager (${entry})`;
    case 'linux':
      return `OS keychain (Secret Service, ${entry})`;
    default:
      return `OS keychain (${entry})`;
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The library's error, turned into what went wrong and what to do about it. */
function explain(err: unknown): string {
  const why = reason(err);
  if (/Failed to connect to socket|DBUS_SESSION_BUS_ADDRESS|autolaunch|Failed to connect to bus/i.test(why)) {
    return (
      `no D-Bus session bus is reachable, so the Secret Service cannot be asked (${why}). ` +
      'Run ma-auth inside a logged-in desktop session, or keep the key in a file instead ' +
      '(ma-auth init --key-store file, or MA_AUTH_KEY_FILE)'
    );
  }
  if (/org\.freedesktop\.secrets|ServiceUnknown|NameHasNoOwner/i.test(why)) {
    return `no Secret Service is running (${why}). Is gnome-keyring or KeePassXC running and unlocked?`;
  }
  if (/locked|prompt/i.test(why)) {
    return (
      `the keyring is locked and could not be unlocked (${why}). ` +
      'Unlock it (log in to the desktop session, or open Seahorse / KeePassXC) and retry'
    );
  }
  if (/no result found|no such object|default collection/i.test(why)) {
    return (
      `the Secret Service has no default keyring to keep the key in (${why}). ` +
      'Create one (e.g. a "login" keyring in Seahorse) and retry'
    );
  }
  return `the OS keychain failed (${why})`;
}
