/**
 * Crash safety of `ma-auth restore`: a passphrase backup of one install
 * restored onto another (another data key, so everything is re-sealed), with a
 * real `kill -9` at every crash point (each chunk decrypted, each re-seal
 * batch, each step of the pre-restore backup, the secret file staged, inside
 * the swap transaction before COMMIT, after it, the secret file moved) and at
 * random moments. After each: the store opens, its content is either all as
 * before or all as restored — never a mix — every token valid in that state
 * validates, Music Assistant's secret file matches the store, and running the
 * restore again completes it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.js';
import type { Install } from '../support/install.js';
import {
  bulkPopulate,
  bulkSample,
  cli,
  copyInstall,
  countActive,
  crashAtEveryPoint,
  crashAtRandomMoments,
  type Dump,
  freshInstall,
  installKey,
  keyIndependent,
  logicalDump,
  type Outcome,
  PASSPHRASE,
  populate,
  removeInstall,
} from './support.js';

const MIN_CRASH_POINTS = 25;
const RANDOM_RUNS = 20;
const GRANTS = 1_000;
const LARGE = 10_000;

interface State {
  readonly dump: Dump;
  readonly tokens: readonly string[];
}

describe('restore survives kill -9 anywhere', () => {
  const installs: Install[] = [];
  afterAll(async () => {
    for (const i of installs) await removeInstall(i);
  });

  /** What a restore of `args` onto `target` that is not interrupted makes of it. */
  async function restoredState(target: Install, args: string[], input: string | undefined, tokens: string[]) {
    const clean = await copyInstall(target);
    const r = await cli(clean, args, input === undefined ? {} : { input });
    expect(r.code, r.stderr).toBe(0);
    const state: State = { dump: logicalDump(clean.storeFile, await installKey(clean)), tokens };
    await removeInstall(clean);
    return state;
  }

  function checker(before: State, after: State, again: { args: string[]; input?: string } | null) {
    const seen = { before: 0, after: 0 };
    const check = async (copy: Install, outcome: Outcome) => {
      const status = await cli(copy, ['status', '--json']);
      expect(status.code, `${outcome}: ${status.stderr}`).toBe(0);
      const key = await installKey(copy);
      const now = keyIndependent(logicalDump(copy.storeFile, key));
      const state = JSON.stringify(now) === JSON.stringify(keyIndependent(after.dump)) ? after : before;
      expect(now, 'the store is all as before or all as restored').toEqual(keyIndependent(state.dump));
      seen[state === after ? 'after' : 'before']++;
      expect(await countActive(copy, state.tokens, key)).toBe(state.tokens.length);
      // Music Assistant's secret file is the one whose hash the store holds.
      const secret = (
        await readFile(join(copy.home, 'config', 'music-assistant-client.secret'), 'utf8')
      ).trim();
      const clients = state.dump.clients?.map((c) => JSON.parse(c)) ?? [];
      const ma = clients.find((c) => c.id === 'music-assistant');
      expect(ma?.secret_hash).toBe(sha256Hex(secret));
      if (!again) return;
      const r = await cli(copy, again.args, again.input === undefined ? {} : { input: again.input });
      expect(r.code, r.stderr).toBe(0);
      expect(keyIndependent(logicalDump(copy.storeFile, key))).toEqual(keyIndependent(after.dump));
    };
    return { check, seen };
  }

  it(`at every crash point (at least ${MIN_CRASH_POINTS}) of a passphrase backup restored onto another key`, async () => {
    const source = await freshInstall();
    installs.push(source);
    const population = await populate(source);
    bulkPopulate(source, await installKey(source), GRANTS);
    const b = await cli(source, ['backup', '--passphrase-stdin', '--json'], { input: PASSPHRASE });
    expect(b.code, b.stderr).toBe(0);
    const file = JSON.parse(b.stdout).file as string;
    const target = await freshInstall();
    installs.push(target);
    const own = await populate(target, 1);
    const args = ['restore', file, '--passphrase-stdin', '--yes'];
    const before: State = {
      dump: logicalDump(target.storeFile, await installKey(target)),
      tokens: own.activeTokens,
    };
    const after = await restoredState(target, args, PASSPHRASE, [
      ...population.activeTokens,
      ...bulkSample(GRANTS, 100),
    ]);
    const { check, seen } = checker(before, after, { args, input: PASSPHRASE });
    const crashes = await crashAtEveryPoint(target, () => args, check, PASSPHRASE);
    expect(crashes).toBeGreaterThanOrEqual(MIN_CRASH_POINTS);
    // Killed before the swap committed: as before; after it: as restored.
    expect(seen.before).toBeGreaterThan(MIN_CRASH_POINTS - 5);
    expect(seen.after).toBeGreaterThanOrEqual(3);
    console.info(
      `restore: ${crashes} crash points (${seen.before} left as before, ${seen.after} as restored)`,
    );
  }, 300_000);

  it(`at ${RANDOM_RUNS} random moments of a ${LARGE}-grant restore`, async () => {
    // A data-key backup of the install itself (no scrypt), so the kills spread over
    // decrypting, verifying, saving the current store and the swap.
    const target = await freshInstall();
    installs.push(target);
    const population = await populate(target, 1);
    bulkPopulate(target, await installKey(target), LARGE);
    const b = await cli(target, ['backup', '--with-key', '--json']);
    expect(b.code, b.stderr).toBe(0);
    const file = JSON.parse(b.stdout).file as string;
    const later = await populate(target, 1);
    const args = ['restore', file, '--yes'];
    const sample = bulkSample(LARGE, 500);
    const before: State = {
      dump: logicalDump(target.storeFile, await installKey(target)),
      tokens: [...later.activeTokens, ...sample],
    };
    const after = await restoredState(target, args, undefined, [...population.activeTokens, ...sample]);
    const { check, seen } = checker(before, after, null);
    const probe = await copyInstall(target);
    const timing = await cli(probe, args);
    await removeInstall(probe);
    expect(timing.code, timing.stderr).toBe(0);
    const killed = await crashAtRandomMoments(target, () => args, RANDOM_RUNS, timing.ms * 1.15, check);
    // Most land mid-run (how many depends on the machine's load; the timing run sets the span).
    expect(killed).toBeGreaterThanOrEqual(RANDOM_RUNS / 4);
    console.info(
      `restore: ${killed} of ${RANDOM_RUNS} random kills landed mid-run (${seen.before} as before, ${seen.after} as restored; a run takes ${timing.ms} ms)`,
    );
  }, 300_000);
});
