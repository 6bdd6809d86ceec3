/**
 * One operation at a time on an install's store and key: backup, restore,
 * rotate-key, init --force, and completing an interrupted rotation all take
 * `ops.lock` in the data dir (created exclusively; it names the holder's pid).
 * A lock whose process is gone (killed, crashed) is stale and taken over. The
 * listener never takes it: it keeps serving through all of these.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir } from '../config/fs-private.js';

export interface OpsLock {
  release(): Promise<void>;
}

export class OpsBusyError extends Error {
  override readonly name = 'OpsBusyError';
  constructor(
    readonly holder: { pid: number; op: string },
    what: string,
  ) {
    super(
      `another ma-auth operation is running on this install (${holder.op}, pid ${holder.pid}); run ${what} again when it has finished`,
    );
  }
}

export function opsLockFile(dataDir: string): string {
  return join(dataDir, 'ops.lock');
}

/** Takes the lock, or throws OpsBusyError naming who holds it. */
export async function acquireOpsLock(dataDir: string, op: string): Promise<OpsLock> {
  const lock = await tryOpsLock(dataDir, op);
  if ('holder' in lock) throw new OpsBusyError(lock.holder, op);
  return lock;
}

/** Takes the lock if it is free (or stale); otherwise says who holds it. */
export async function tryOpsLock(
  dataDir: string,
  op: string,
): Promise<OpsLock | { holder: { pid: number; op: string } }> {
  await ensurePrivateDir(dataDir);
  const file = opsLockFile(dataDir);
  const body = `${JSON.stringify({ pid: process.pid, op, startedAt: new Date().toISOString() })}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, body, { flag: 'wx', mode: 0o600 });
      return {
        release: async () => {
          const current = await readHolder(file);
          if (current?.pid === process.pid) await rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(file);
    // Held by this process already (init --force backs up, restore writes its pre-restore backup).
    if (holder?.pid === process.pid) return { release: async () => {} };
    if (holder && alive(holder.pid)) return { holder };
    // Stale (its process is gone) or unreadable (a crash mid-write): take it over.
    await rm(file, { force: true });
  }
  return { holder: (await readHolder(file)) ?? { pid: 0, op: 'unknown' } };
}

async function readHolder(file: string): Promise<{ pid: number; op: string } | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { pid?: unknown; op?: unknown };
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, op: String(parsed.op ?? 'unknown') } : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (EPERM: it exists, owned by someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
