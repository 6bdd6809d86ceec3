/**
 * Crash safety of `ma-auth rotate-key`: a real `kill -9` at every crash point
 * (staged, every re-seal batch inside the transaction, before and after the
 * commit, promoted, retired) and at random moments over a larger store. After
 * each, the next command (`ma-auth status`) opens the store — finishing the
 * rotation when the store had committed — and then: the key source and the
 * store agree (every sealed value carries the key in the key file, no staged
 * copy left), the content is intact, every token that was valid still is, and
 * rotating again works.
 */
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEALED } from '../../src/store/sqlite/sealed-fields.js';
import type { Install } from '../support/install.js';
import {
  bulkPopulate,
  bulkSample,
  cli,
  countActive,
  crashAtEveryPoint,
  crashAtRandomMoments,
  type Dump,
  freshInstall,
  installKey,
  keyIndependent,
  logicalDump,
  type Outcome,
  populate,
  removeInstall,
  stagedFile,
} from './support.js';

const MIN_CRASH_POINTS = 10;
const RANDOM_RUNS = 25;
const SMALL = 3_000;
const LARGE = 10_000;

function sealedKeyIds(file: string): Set<string> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const ids = new Set<string>();
    for (const f of Object.values(SEALED)) {
      const where = 'metaName' in f ? ` AND name = '${f.metaName}'` : '';
      for (const r of db
        .prepare(`SELECT ${f.column} AS v FROM ${f.table} WHERE ${f.column} IS NOT NULL${where}`)
        .all() as {
        v: string;
      }[])
        ids.add(r.v.split('.')[1] as string);
    }
    return ids;
  } finally {
    db.close();
  }
}

function checker(template: { dump: Dump; tokens: string[]; keyId: string; rotateAgain: boolean }) {
  let rotated = 0;
  const check = async (copy: Install, outcome: Outcome) => {
    const status = await cli(copy, ['status', '--json']);
    expect(status.code, `${outcome}: ${status.stderr}`).toBe(0);
    expect(JSON.parse(status.stdout).key.matchesStore).toBe(true);
    const key = await installKey(copy);
    if (key.id !== template.keyId) rotated++;
    // The key source and the store agree, and nothing is left staged.
    expect(sealedKeyIds(copy.storeFile)).toEqual(new Set([key.id]));
    expect(existsSync(stagedFile(copy))).toBe(false);
    expect(keyIndependent(logicalDump(copy.storeFile, key))).toEqual(keyIndependent(template.dump));
    expect(await countActive(copy, template.tokens, key)).toBe(template.tokens.length);
    if (!template.rotateAgain) return;
    const again = await cli(copy, ['rotate-key']);
    expect(again.code, again.stderr).toBe(0);
  };
  return { check, rotated: () => rotated };
}

describe('rotate-key survives kill -9 anywhere', () => {
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
    const population = await populate(small);
    const key = await installKey(small);
    bulkPopulate(small, key, SMALL);
    const tokens = [...population.activeTokens, ...bulkSample(SMALL, 100)];
    const { check, rotated } = checker({
      dump: logicalDump(small.storeFile, key),
      tokens,
      keyId: key.id,
      rotateAgain: true,
    });
    const crashes = await crashAtEveryPoint(small, () => ['rotate-key'], check);
    expect(crashes).toBeGreaterThanOrEqual(MIN_CRASH_POINTS);
    // Both sides were hit: runs killed before the commit kept the old key, runs killed after it ended on the new one.
    expect(rotated()).toBeGreaterThan(0);
    expect(rotated()).toBeLessThan(crashes + 1);
    console.info(`rotate-key: ${crashes} crash points, ${rotated()} ended rotated`);
  }, 240_000);

  it(`at ${RANDOM_RUNS} random moments over a ${LARGE}-grant store`, async () => {
    const key = await installKey(large);
    bulkPopulate(large, key, LARGE);
    const tokens = bulkSample(LARGE, 1000);
    const { check } = checker({
      dump: logicalDump(large.storeFile, key),
      tokens,
      keyId: key.id,
      rotateAgain: false,
    });
    const timing = await cli(await (await import('./support.js')).copyInstall(large), ['rotate-key']);
    expect(timing.code, timing.stderr).toBe(0);
    const killed = await crashAtRandomMoments(
      large,
      () => ['rotate-key'],
      RANDOM_RUNS,
      timing.ms * 1.15,
      check,
    );
    // Most land mid-run (how many depends on the machine's load; the timing run sets the span).
    expect(killed).toBeGreaterThanOrEqual(RANDOM_RUNS / 4);
    console.info(
      `rotate-key: ${killed} of ${RANDOM_RUNS} random kills landed mid-run (a run takes ${timing.ms} ms)`,
    );
  }, 240_000);
});
