/**
 * Progress for big dumps: on a terminal only (a line on stderr rewritten in
 * place, cleared at the end), never in a pipe or with --json.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { runMigrate } from '../../src/cli/commands/migrate/run.js';
import type { Deps } from '../../src/cli/deps.js';
import type { IO } from '../../src/cli/io.js';
import type { Prompter } from '../../src/cli/prompter.js';
import { resolvePaths } from '../../src/config/paths.js';
import { createTestInstall, type Install } from '../support/install.js';

const ENTRIES = 2000;

function fakeIO(tty: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  stderr.on('data', (d) => err.push(String(d)));
  const io: IO = {
    stdin: Object.assign(new PassThrough(), { isTTY: tty }),
    stdout: Object.assign(new PassThrough(), { isTTY: tty }),
    stderr,
    canPrompt: () => tty,
    color: () => false,
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
  };
  return { io, out, err };
}

function deps(install: Install, io: IO): Deps {
  const env = { ...install.env, MA_AUTH_LEGACY_DIRS: '' };
  return { io, env, paths: resolvePaths(env), prompter: {} as Prompter, now: Date.now };
}

async function bigDump(): Promise<string> {
  const tokens: Record<string, unknown> = {};
  for (let i = 0; i < ENTRIES; i++) {
    tokens[`user-${i}`] = {
      access_token: `legacy-access-${i}-`.padEnd(43, 'a'),
      refresh_token: `legacy-refresh-${i}-`.padEnd(43, 'r'),
      expires_at: 1762088400.5,
      scope: 'music.read music.control',
      client_id: 'amazon-alexa',
    };
  }
  const file = join(await mkdtemp(join(tmpdir(), 'ma-auth-big-')), 'dump.json');
  await writeFile(file, JSON.stringify({ tokens }));
  return file;
}

describe('migrate progress', () => {
  let dump: string;
  beforeAll(async () => {
    dump = await bigDump();
  });

  it('on a terminal: both phases, rewritten in place, cleared at the end', async () => {
    const install = await createTestInstall();
    const { io, out, err } = fakeIO(true);
    await runMigrate({ from: dump }, deps(install, io));
    const progress = err.join('');
    expect(progress).toContain('\r\x1b[2Kchecking entries');
    expect(progress).toContain(`\r\x1b[2Kwriting grants 2,000 / 2,000 (100%)`);
    expect(progress.endsWith('\r\x1b[2K')).toBe(true);
    expect(out.join('\n')).toContain('imported       2,000 grants');
  });

  it('not in a pipe, and not with --json', async () => {
    const install = await createTestInstall();
    const pipe = fakeIO(false);
    await runMigrate({ from: dump, dryRun: true }, deps(install, pipe.io));
    expect(pipe.err.join('')).toBe('');
    const json = fakeIO(true);
    await runMigrate({ from: dump, dryRun: true, json: true }, deps(install, json.io));
    expect(json.err.join('')).toBe('');
    expect(JSON.parse(json.out.join(''))).toMatchObject({ event: 'dry_run', tokens: { imported: ENTRIES } });
  });
});
