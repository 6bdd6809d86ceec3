/**
 * backup, restore and rotate-key in a real terminal (tmux): the passphrase
 * asked twice (and a mismatch refused), restore's plan and confirmation, and
 * a progress line while a large store is worked on — gone when it is done.
 * (Without a terminal there is no progress and no prompt: backup.test.ts.)
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { render } from '../../src/cli/progress.js';
import type { Install } from '../support/install.js';
import { openTerminal, type Terminal } from '../support/tmux.js';
import {
  backupDir,
  bulkPopulate,
  cli,
  cliBin,
  freshInstall,
  installKey,
  PASSPHRASE,
  populate,
  removeInstall,
} from './support.js';

describe('backup, restore, rotate-key on a terminal', () => {
  let install: Install;
  let term: Terminal | undefined;
  beforeAll(async () => {
    install = await freshInstall();
    await populate(install);
  });
  afterEach(async () => {
    await term?.close();
    term = undefined;
  });
  afterAll(async () => {
    await removeInstall(install);
  });

  const open = async (args: string[], env: Record<string, string> = {}) => {
    term = await openTerminal([process.execPath, await cliBin(), ...args], {
      ...install.env,
      TERM: 'xterm-256color',
      ...env,
    });
    return term;
  };

  it('backup asks for the passphrase twice; a mismatch writes nothing', async () => {
    const before = await readdir(backupDir(install)).catch(() => []);
    let t = await open(['backup']);
    await t.waitFor('Passphrase for the backup');
    await t.type(PASSPHRASE);
    await t.press('Enter');
    await t.waitFor('The same passphrase again');
    await t.type(`${PASSPHRASE}!`);
    await t.press('Enter');
    await t.waitFor('the two passphrases differ');
    expect(await t.exitCode()).toBe(2);
    expect(await readdir(backupDir(install)).catch(() => [])).toEqual(before);
    await t.close();

    t = await open(['backup']);
    await t.waitFor('Passphrase for the backup');
    await t.type(PASSPHRASE);
    await t.press('Enter');
    await t.waitFor('The same passphrase again');
    await t.type(PASSPHRASE);
    await t.press('Enter');
    const screen = await t.waitFor('Backup written');
    expect(await t.exitCode()).toBe(0);
    expect(screen).not.toContain(PASSPHRASE);
  });

  it('restore asks for the passphrase, shows what changes, and asks before it restores', async () => {
    const b = await cli(install, ['backup', '--passphrase-stdin', '--json'], { input: PASSPHRASE });
    const file = JSON.parse(b.stdout).file as string;
    await populate(install, 1); // the store moves on after the backup
    const t = await open(['restore', file]);
    await t.waitFor('Backup passphrase');
    await t.type(PASSPHRASE);
    await t.press('Enter');
    const plan = await t.waitFor('Restore this backup over the current store?');
    const [, now, then] = /\n\s+grants\s+(\d+)\s+(\d+)/.exec(plan) ?? [];
    expect(Number(now)).toBeGreaterThan(Number(then));
    expect(plan).toMatch(/made .* \((just now|\d+ \w+ ago)\), sealed with a passphrase/);
    expect(plan).toContain('Tokens issued after the backup was made stop working');
    await t.type('y');
    await t.press('Enter');
    await t.waitFor('Restored.');
    expect(await t.exitCode()).toBe(0);
  });

  it('shows a progress line while it works on a large store, and clears it', async () => {
    bulkPopulate(install, await installKey(install), 60_000);
    // No 300 ms grace: how fast the machine re-seals must not decide whether a line appears.
    const t = await open(['rotate-key'], { MA_AUTH_PROGRESS_DELAY_MS: '0' });
    let seen = '';
    for (let i = 0; i < 200 && !seen; i++) {
      const screen = await t.screen();
      seen = /re-seal\s+\d+%\s+\d+ of \d+/.exec(screen)?.[0] ?? '';
      if (/Data key rotated/.test(screen)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const done = await t.waitFor('Data key rotated');
    expect(await t.exitCode()).toBe(0);
    expect(seen).not.toBe('');
    expect(done).not.toMatch(/re-seal\s+\d+%/);
  }, 60_000);

  it('Ctrl-C during a backup stops it: exit 130, no file under its name, no temporary file left', async () => {
    // A store large enough that the encryption takes a while whatever the machine.
    bulkPopulate(install, await installKey(install), 150_000, 1_000_000);
    const before = await readdir(backupDir(install)).catch(() => []);
    const t = await open(['backup', '--with-key']);
    let screen = '';
    for (let i = 0; i < 1000 && !/encrypt\s+\d+%/.test(screen); i++) {
      screen = await t.screen();
      if (/Backup written/.test(screen)) throw new Error('the backup ended before it could be interrupted');
    }
    await t.press('C-c');
    await t.waitFor('interrupted');
    expect(await t.exitCode()).toBe(130);
    expect(await readdir(backupDir(install))).toEqual(before);
    const data = await readdir(join(install.home, 'data'));
    expect(data.filter((n) => n.startsWith('.ma-auth') || n === 'ops.lock')).toEqual([]);
  }, 60_000);

  it('renders phases in bytes or rows', () => {
    expect(render('encrypt', 5 * 1024 * 1024, 20 * 1024 * 1024)).toBe('encrypt       25%  5.0 MB of 20.0 MB');
    expect(render('re-seal', 512, 2048)).toBe('re-seal       25%  512 of 2048');
    expect(render('snapshot', 0, 1)).toBe('snapshot…');
  });
});
