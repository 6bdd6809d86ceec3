/**
 * `ma-auth migrate` over a large legacy dump (default 100,000 tokens): wall
 * time and peak RSS of the CLI process for a dry run, the import, and the
 * idempotent second run. Timing budgets live here, not in the tests.
 *
 *   npm run build && node bench/migrate-large.ts [--entries 100000]
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M`, Linux); without it only
 * wall time is reported. Uses the built CLI (bin/ → dist/) in a temp MA_AUTH_HOME.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'ma-auth.js');
const TIME = '/usr/bin/time';

const flag = process.argv.indexOf('--entries');
const entries = flag > 0 ? Number(process.argv[flag + 1]) : 100_000;

const home = mkdtempSync(join(tmpdir(), 'ma-auth-bench-migrate-'));
const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  LANG: 'C.UTF-8',
  MA_AUTH_HOME: home,
  HOME: home,
  MA_AUTH_LEGACY_DIRS: '',
};

function cli(args: string[]): { ms: number; peakRssMb: number | null; stdout: string } {
  const timed = existsSync(TIME);
  const cmd = timed ? TIME : process.execPath;
  const argv = timed ? ['-f', '%M', process.execPath, BIN, ...args] : [BIN, ...args];
  const start = performance.now();
  const r = spawnSync(cmd, argv, { env, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`ma-auth ${args[0]} failed (${r.status}): ${r.stderr}`);
  const kb = timed ? Number(r.stderr.trim().split('\n').pop()) : Number.NaN;
  return {
    ms: Math.round(ms),
    peakRssMb: Number.isFinite(kb) ? Math.round(kb / 1024) : null,
    stdout: r.stdout,
  };
}

try {
  cli([
    'init',
    '--yes',
    '--public-url',
    'https://ma.example.com',
    '--redirect-uri',
    'https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH',
    '--key-store',
    'file',
  ]);
  const now = Date.now() / 1000;
  const tokens: Record<string, unknown> = {};
  const token = () => randomBytes(32).toString('base64url');
  for (let i = 0; i < entries; i++) {
    tokens[i === 0 ? 'test_user' : `user-${i}`] = {
      access_token: token(),
      refresh_token: token(),
      // Half still valid, half expired; fractional seconds as Python writes them.
      expires_at: i % 2 ? now + 1800.123456 : now - 86400.5,
      scope: 'music.read music.control',
      client_id: 'amazon-alexa',
    };
  }
  const dump = join(home, 'legacy-dump.json');
  writeFileSync(dump, JSON.stringify({ tokens, auth_codes: {}, pending_auth_codes: {} }));
  const dumpMb = Math.round(statSync(dump).size / 1024 / 1024);

  const dry = cli(['migrate', '--from', dump, '--dry-run', '--json']);
  const real = cli(['migrate', '--from', dump, '--json']);
  const again = cli(['migrate', '--from', dump, '--json']);
  const report = JSON.parse(real.stdout);
  if (report.tokens.imported !== entries) throw new Error(`imported ${report.tokens.imported} of ${entries}`);
  if (JSON.parse(again.stdout).event !== 'unchanged') throw new Error('second run was not a no-op');
  const storeMb = Math.round(statSync(join(home, 'data', 'ma-auth.db')).size / 1024 / 1024);
  const row = (name: string, r: { ms: number; peakRssMb: number | null }) =>
    `  ${name.padEnd(10)} ${String(r.ms).padStart(7)} ms   peak RSS ${r.peakRssMb ?? '?'} MB`;
  console.log(
    [
      `ma-auth migrate, ${entries.toLocaleString('en')} legacy tokens (dump ${dumpMb} MB, store after ${storeMb} MB), node ${process.version}`,
      row('dry run', dry),
      row('import', real),
      row('re-run', again),
    ].join('\n'),
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
