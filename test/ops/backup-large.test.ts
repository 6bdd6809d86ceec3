/**
 * Large stores: backup, restore and rotate-key of 100,000 grants work, and
 * their memory does not grow with the store — the peak RSS of the CLI
 * process for 100,000 grants stays within a small factor of that for 10,000
 * (everything streams: VACUUM INTO, chunked AEAD, re-sealing in rowid
 * batches, the swap as INSERT … SELECT). Timing budgets belong in bench/.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Install } from '../support/install.js';
import {
  bulkPopulate,
  bulkSample,
  cli,
  countActive,
  freshInstall,
  installKey,
  removeInstall,
} from './support.js';

const SIZES = [10_000, 100_000] as const;
/** Peak RSS at 100k grants over that at 10k, at most. */
const MAX_RATIO = 1.4;
const HOOK = pathToFileURL(join(import.meta.dirname, 'max-rss.mjs')).href;

async function measured(install: Install, args: string[]): Promise<number> {
  const rssFile = join(install.home, '..', `rss-${args[0]}`);
  const r = await cli(install, args, {
    env: { MA_AUTH_TEST_RSS_FILE: rssFile },
    nodeArgs: ['--import', HOOK],
  });
  expect(r.code, r.stderr).toBe(0);
  return Number(await readFile(rssFile, 'utf8'));
}

describe(`backup, restore, rotate-key on ${SIZES.join(' and ')} grants`, () => {
  const installs: Install[] = [];
  afterAll(async () => {
    for (const i of installs) await removeInstall(i);
  });

  it(`peak memory at ${SIZES[1]} grants is within ${MAX_RATIO}x of that at ${SIZES[0]}`, async () => {
    const rss: Record<string, number[]> = { backup: [], restore: [], 'rotate-key': [] };
    for (const size of SIZES) {
      const install = await freshInstall();
      installs.push(install);
      bulkPopulate(install, await installKey(install), size);
      const b = await cli(install, ['backup', '--with-key', '--json'], {});
      expect(b.code, b.stderr).toBe(0);
      const file = JSON.parse(b.stdout).file as string;
      rss.backup?.push(await measured(install, ['backup', '--with-key']));
      rss.restore?.push(await measured(install, ['restore', file, '--yes']));
      rss['rotate-key']?.push(await measured(install, ['rotate-key']));
      const sample = bulkSample(size, size / 50);
      expect(await countActive(install, sample)).toBe(sample.length);
    }
    const report = Object.entries(rss).map(
      ([op, [small, large]]) =>
        `${op}: ${Math.round((small as number) / 1024)} MiB → ${Math.round((large as number) / 1024)} MiB (×${((large as number) / (small as number)).toFixed(2)})`,
    );
    console.info(`peak RSS, ${SIZES[0]} → ${SIZES[1]} grants: ${report.join('; ')}`);
    for (const [, [small, large]] of Object.entries(rss)) {
      expect((large as number) / (small as number)).toBeLessThan(MAX_RATIO);
    }
  }, 300_000);
});
