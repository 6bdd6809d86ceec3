/**
 * Crash safety of `ma-auth backup`: a real `kill -9` at every crash point
 * (snapshot taken, file key derived, every chunk written, synced, linked) and
 * at random moments over a larger store. After each: the store is untouched,
 * no file exists under a final name unless it is a complete backup that
 * verifies, and the next backup succeeds and clears the leftovers.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Install } from '../support/install.js';
import {
  backupDir,
  bulkPopulate,
  cli,
  copyInstall,
  crashAtEveryPoint,
  crashAtRandomMoments,
  type Dump,
  freshInstall,
  installKey,
  logicalDump,
  type Outcome,
  PASSPHRASE,
  populate,
  removeInstall,
} from './support.js';

const MIN_CRASH_POINTS = 15;
const RANDOM_RUNS = 25;
const SMALL = 1_500;
const LARGE = 10_000;

const temps = async (dir: string) =>
  (await readdir(dir).catch(() => [])).filter((n) => n.startsWith('.ma-auth'));

function checker(dump: Dump, options: { passphrase: boolean; next: boolean }) {
  let complete = 0;
  const check = async (copy: Install, outcome: Outcome) => {
    const key = await installKey(copy);
    expect(logicalDump(copy.storeFile, key)).toEqual(dump);
    const named = (await readdir(backupDir(copy)).catch(() => [])).filter((n) => n.endsWith('.backup'));
    expect(named.length).toBeLessThanOrEqual(1);
    if (outcome === 'finished') expect(named.length).toBe(1);
    for (const name of named) {
      const file = join(backupDir(copy), name);
      const v = options.passphrase
        ? await cli(copy, ['backup', '--verify', file, '--passphrase-stdin'], { input: PASSPHRASE })
        : await cli(copy, ['backup', '--verify', file]);
      expect(v.code, `${outcome}: a file under its final name must be a whole backup: ${v.stderr}`).toBe(0);
      complete++;
    }
    if (outcome === 'crashed' && options.next) {
      // The next backup clears what the killed one left behind.
      const next = await cli(copy, ['backup', '--with-key']);
      expect(next.code, next.stderr).toBe(0);
      expect(await temps(backupDir(copy))).toEqual([]);
      expect(await temps(join(copy.home, 'data'))).toEqual([]);
    }
  };
  return { check, complete: () => complete };
}

describe('backup survives kill -9 anywhere', () => {
  let small: Install;
  let large: Install;
  beforeAll(async () => {
    small = await freshInstall();
    large = await freshInstall();
  });
  afterAll(async () => {
    await removeInstall(small);
    await removeInstall(large);
  });

  it(`at every crash point (at least ${MIN_CRASH_POINTS}) of a ${SMALL}-grant store`, async () => {
    await populate(small);
    const key = await installKey(small);
    bulkPopulate(small, key, SMALL);
    const { check, complete } = checker(logicalDump(small.storeFile, key), { passphrase: false, next: true });
    const crashes = await crashAtEveryPoint(small, () => ['backup', '--with-key'], check);
    expect(crashes).toBeGreaterThanOrEqual(MIN_CRASH_POINTS);
    // Killed after the link: complete under its name; before it: nothing under a name.
    expect(complete()).toBe(2);
    console.info(`backup: ${crashes} crash points`);
  }, 300_000);

  it('a passphrase backup killed after its key was derived and after each chunk leaves no file under its name', async () => {
    const key = await installKey(small);
    const { check } = checker(logicalDump(small.storeFile, key), { passphrase: true, next: false });
    for (const step of [2, 3, 4]) {
      const copy = await copyInstall(small);
      const r = await cli(copy, ['backup', '--passphrase-stdin'], {
        input: PASSPHRASE,
        env: { MA_AUTH_TEST_CRASH_AFTER_STEP: String(step) },
      });
      expect(r.signal).toBe('SIGKILL');
      await check(copy, 'crashed');
      await removeInstall(copy);
    }
  });

  it(`at ${RANDOM_RUNS} random moments over a ${LARGE}-grant store`, async () => {
    const key = await installKey(large);
    bulkPopulate(large, key, LARGE);
    const { check } = checker(logicalDump(large.storeFile, key), { passphrase: false, next: false });
    const copy = await copyInstall(large);
    const timing = await cli(copy, ['backup', '--with-key']);
    await removeInstall(copy);
    expect(timing.code, timing.stderr).toBe(0);
    // --with-key: no scrypt, so the kills land in the snapshot and the encryption.
    const killed = await crashAtRandomMoments(
      large,
      () => ['backup', '--with-key'],
      RANDOM_RUNS,
      timing.ms * 1.15,
      check,
    );
    // Most land mid-run (how many depends on the machine's load; the timing run sets the span).
    expect(killed).toBeGreaterThanOrEqual(RANDOM_RUNS / 4);
    console.info(
      `backup: ${killed} of ${RANDOM_RUNS} random kills landed mid-run (a run takes ${timing.ms} ms)`,
    );
  }, 300_000);
});
