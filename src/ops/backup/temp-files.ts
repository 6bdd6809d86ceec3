/**
 * Temporary files of backup and restore, named so that one left by a killed
 * process can be recognised (it carries the pid) and removed by the next run.
 * None ever has a final name: a backup appears under its name only once it
 * is complete (link after fsync), so a crash never leaves a partial backup.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { alive } from '../ops-lock.js';

const TEMP = /^\.ma-auth-(?:snapshot|restore|partial)-(\d+)-[0-9a-f]+(?:\.db)?(?:-journal|-wal|-shm)?$/;

export function tempFile(dir: string, kind: 'snapshot' | 'restore' | 'partial'): string {
  return join(
    dir,
    `.ma-auth-${kind}-${process.pid}-${randomBytes(6).toString('hex')}${kind === 'partial' ? '' : '.db'}`,
  );
}

/** Removes temporary files whose process is gone. */
export async function removeStaleTemps(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    await rm(join(dir, name), { force: true });
  }
}

export async function removeDbFiles(file: string): Promise<void> {
  for (const suffix of ['', '-journal', '-wal', '-shm']) await rm(file + suffix, { force: true });
}
