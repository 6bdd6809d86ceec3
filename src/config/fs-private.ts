/** Directories and files that hold anything of ma-auth's are private to the owner. */
import { chmod, mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
}

/**
 * Atomically replace `path` with `data` (mode 0600): write a temporary file,
 * fsync it, rename it over, fsync the directory. Readers see the old file or
 * the new one, never a partial one, even across a power cut.
 */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  await ensurePrivateDir(dirname(path));
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(tmp, 0o600);
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

export async function fsyncDir(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
