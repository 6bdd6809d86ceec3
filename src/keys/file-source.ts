/**
 * A key in a file: `MA_AUTH_KEY_FILE` (the Docker / Home Assistant secrets
 * convention, read-only to us) or ma-auth's own key file in the config dir
 * (mode 0600, written at init).
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../config/fs-private.js';
import { CryptoError } from '../crypto/errors.js';
import { decodeKey, encodeKey } from './data-key.js';
import { type KeySource, KeySourceError } from './source.js';

export function envFileKeySource(path: string): KeySource {
  return { ...fileSource(path, `MA_AUTH_KEY_FILE (${path})`, false), kind: 'env-file' };
}

export function ownKeyFileSource(path: string): KeySource {
  return { ...fileSource(path, `key file ${path}`, true), kind: 'file' };
}

function fileSource(path: string, location: string, own: boolean): Omit<KeySource, 'kind'> {
  const source: Omit<KeySource, 'kind'> = {
    location,
    async read() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A variable that names a missing file is a mistake, not "no key here".
        if ((code === 'ENOENT' || code === 'ENOTDIR') && own) return null;
        throw new KeySourceError(location, describeFsError(code), { cause: err });
      }
      if (own && process.platform !== 'win32') {
        const mode = (await stat(path)).mode & 0o777;
        if (mode & 0o077) {
          throw new KeySourceError(
            location,
            `permissions are ${mode.toString(8)}; the key file must be private. Fix: chmod 600 ${path}`,
          );
        }
      }
      try {
        return decodeKey(text);
      } catch (err) {
        if (err instanceof CryptoError) throw new KeySourceError(location, err.message);
        throw err;
      }
    },
  };
  if (!own) return source;
  return {
    ...source,
    async write(key) {
      await writeFileAtomic(path, `${encodeKey(key)}\n`);
    },
    async remove() {
      await rm(path, { force: true });
    },
  };
}

function describeFsError(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'file does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied reading the key';
    case 'EISDIR':
      return 'is a directory, not a key file';
    default:
      return `cannot read the key (${code ?? 'unknown error'})`;
  }
}
