/**
 * What the numbers were measured on and against: the machine, and the state
 * of the source (commit, uncommitted changes, and whether the store batches
 * concurrent commits — DESIGN.md "Durable before it answers").
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export interface Machine {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly kernel: string;
  readonly os: string;
  /** Filesystem of the temp folder holding the stores (fsync cost depends on it). */
  readonly storeFs: string;
  /** Measured on the same folder: fsync'd SQLite commits per second, one writer (synchronous=FULL). */
  readonly fsyncCommitsPerS: number | null;
}

export interface SourceState {
  readonly head: string;
  readonly log: readonly string[];
  /** Paths under src/ with uncommitted changes: the bench measures those too. */
  readonly uncommittedSrc: readonly string[];
  readonly groupCommit: { readonly detected: boolean; readonly evidence: readonly string[] };
}

const git = (...args: string[]) => {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
};

export function describeMachine(tmp: string, fsyncCommitsPerS: number | null): Machine {
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    kernel = process.platform;
  }
  let storeFs = 'unknown';
  try {
    storeFs =
      execFileSync('df', ['--output=fstype', tmp], { encoding: 'utf8' }).trim().split('\n').pop() ?? '';
  } catch {
    // df without --output (macOS): left unknown
  }
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel,
    os: `${process.platform} ${process.arch}`,
    storeFs,
    fsyncCommitsPerS,
  };
}

/**
 * Group commit is recognised by its shape rather than by one name: the store's
 * write path (database.ts, context.ts, sqlite-store.ts, or a new module named
 * for commits, batches, queues or writers) holding waiting callers and
 * committing them together. The evidence lines say what was found, so a
 * reader can judge; the bench measures whatever src/ does either way.
 */
export function describeSource(): SourceState {
  const head = git('rev-parse', '--short', 'HEAD');
  const log = git('log', '--oneline', '-5').split('\n').filter(Boolean);
  const uncommittedSrc = git('status', '--porcelain', '--', 'src')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3));
  const evidence: string[] = [];
  const storeDir = join(ROOT, 'src', 'store', 'sqlite');
  const writePath = /^(database|context|sqlite-store)\.ts$|commit|batch|queue|writer/i;
  const pattern =
    /group[ -]?commit|commit(?:s|ted)? (?:them |concurrent \w+ |\w+ )?together|(?:write|commit|pending)(?:Queue|Batch|Waiters)|pending(?:Writes|Commits)|setImmediate|queueMicrotask/i;
  try {
    for (const name of readdirSync(storeDir)) {
      if (!name.endsWith('.ts') || !writePath.test(name)) continue;
      const lines = readFileSync(join(storeDir, name), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (pattern.test(line))
          evidence.push(`src/store/sqlite/${name}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
  } catch {
    // no store folder: nothing detected
  }
  const commits = log.filter((l) => /group commit|batch/i.test(l));
  evidence.push(...commits.map((c) => `git log: ${c}`));
  return { head, log, uncommittedSrc, groupCommit: { detected: evidence.length > 0, evidence } };
}

/** One writer committing one-row transactions with WAL + synchronous=FULL, as the store does. */
export async function measureFsync(dir: string, ms: number): Promise<number | null> {
  const { DatabaseSync } = await import('node:sqlite');
  const { rmSync } = await import('node:fs');
  const file = join(dir, 'fsync-probe.db');
  try {
    const db = new DatabaseSync(file);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (v INTEGER)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const started = performance.now();
    let n = 0;
    while (performance.now() - started < ms) {
      db.exec('BEGIN IMMEDIATE');
      insert.run(n++);
      db.exec('COMMIT');
    }
    const rate = (n * 1000) / (performance.now() - started);
    db.close();
    return Math.round(rate);
  } catch {
    return null;
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }
}
