/**
 * The offline operations at two store sizes: wall time and peak RSS
 * (getrusage via support/rss-at-exit.mjs) of `ma-auth backup`, `restore`,
 * `rotate-key` and `migrate`.
 *
 * These commands are being written while the bench is: one that `--help`
 * does not know is "not available". Their flags are not settled either, so
 * each invocation is assembled from the flags its `--help` lists (see
 * INVOCATIONS); the exact command line is recorded with the result. A command
 * that exists but fails is an error row, never a pass.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInstall, type Install } from '../lib/install.js';
import { RSS_PRELOAD } from '../lib/paths.js';
import { runToEnd } from '../lib/proc.js';
import type { OpsRow } from '../lib/results.js';
import { median } from '../lib/stats.js';
import { errorText, type RunContext } from './context.js';

type Command = OpsRow['command'];
const COMMANDS: readonly Command[] = ['backup', 'restore', 'rotate-key', 'migrate'];
const PASSPHRASE = 'bench passphrase: correct horse battery staple';

interface Prepared {
  readonly args: string[];
  readonly env: Record<string, string>;
  /** Written to the command's stdin (a passphrase). */
  readonly input?: string;
}

/** First flag of `names` that the help text lists. */
const pick = (help: string, ...names: string[]) =>
  names.find((n) => new RegExp(`(^|\\s|,)${n}\\b`).test(help));

/** Non-interactive flags every command may take. */
function common(help: string): string[] {
  return [pick(help, '--yes'), pick(help, '--json')].filter((f): f is string => Boolean(f));
}

/** The passphrase the way the command takes one without a terminal: stdin, a file, or an environment variable. */
function passphrase(
  help: string,
  install: Install,
): { args: string[]; env: Record<string, string>; input?: string } {
  const stdinFlag = pick(help, '--passphrase-stdin');
  if (stdinFlag) return { args: [stdinFlag], env: {}, input: `${PASSPHRASE}\n` };
  const fileFlag = pick(help, '--passphrase-file');
  if (fileFlag) {
    const file = join(install.home, 'bench-passphrase.txt');
    writeFileSync(file, `${PASSPHRASE}\n`, { mode: 0o600 });
    return { args: [fileFlag, file], env: {} };
  }
  const envName = /\b(MA_AUTH_[A-Z_]*PASSPHRASE[A-Z_]*)\b/.exec(help)?.[1];
  if (envName) return { args: [], env: { [envName]: PASSPHRASE } };
  return { args: [], env: {} };
}

function fileArg(help: string, file: string, ...flags: string[]): string[] {
  const flag = pick(help, ...flags);
  return flag ? [flag, file] : [file];
}

const INVOCATIONS: Record<Command, (help: string, install: Install) => Prepared> = {
  backup: (help, install) => {
    const pass = passphrase(help, install);
    const out = join(install.home, 'bench.backup');
    rmSync(out, { force: true });
    return {
      args: [...fileArg(help, out, '--output', '--out', '--file', '-o'), ...pass.args, ...common(help)],
      env: pass.env,
      ...(pass.input ? { input: pass.input } : {}),
    };
  },
  restore: (help, install) => {
    const pass = passphrase(help, install);
    const from = join(install.home, 'bench.backup');
    return {
      args: [...fileArg(help, from, '--input', '--from', '--file', '-i'), ...pass.args, ...common(help)],
      env: pass.env,
      ...(pass.input ? { input: pass.input } : {}),
    };
  },
  'rotate-key': (help) => ({ args: common(help), env: {} }),
  migrate: (help, install) => {
    const [tokens, clients] = legacyExport(install);
    const tokenFlag = pick(help, '--tokens', '--tokens-file', '--from', '--input');
    const clientFlag = pick(help, '--clients', '--clients-file');
    return {
      args: [
        ...(tokenFlag ? [tokenFlag, tokens] : [tokens]),
        ...(clientFlag ? [clientFlag, clients] : []),
        ...common(help),
      ],
      env: {},
    };
  },
};

/** The legacy server's export for `migrate`: as many `tokens` entries as the install has grants. */
function legacyExport(install: Install): [string, string] {
  const n = Number(readFileSync(join(install.home, 'bench-grants.txt'), 'utf8'));
  const tokensFile = join(install.home, 'legacy-tokens.json');
  const clientsFile = join(install.home, 'legacy-clients.json');
  if (!existsSync(tokensFile)) {
    const tokens: Record<string, unknown> = {};
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    for (let i = 0; i < n; i++) {
      tokens[`user-${i}`] = {
        access_token: `legacy-at-${i}-${'x'.repeat(24)}`,
        refresh_token: `legacy-rt-${i}-${'y'.repeat(24)}`,
        expires_at: expiresAt,
        scope: 'music.read music.control',
        client_id: install.alexa.clientId,
      };
    }
    writeFileSync(tokensFile, JSON.stringify({ tokens }));
    writeFileSync(
      clientsFile,
      JSON.stringify({
        [install.alexa.clientId]: {
          client_secret: install.alexa.clientSecret,
          redirect_uris: [install.alexa.redirectUri],
        },
      }),
    );
  }
  return [tokensFile, clientsFile];
}

export async function opsSection(ctx: RunContext, stores: Map<number, Install>): Promise<OpsRow[]> {
  const { build, settings } = ctx;
  const rows: OpsRow[] = [];
  const helpOf = async (command: Command): Promise<string | null> => {
    const r = await runToEnd(process.execPath, [build.bin, command, '--help'], {
      env: { PATH: process.env.PATH ?? '' },
      timeoutMs: 30_000,
    });
    return r.code === 0 && r.stdout.includes(command) ? r.stdout : null;
  };
  for (const command of COMMANDS) {
    const help = await helpOf(command);
    for (const grants of settings.opsSizes) {
      if (!help) {
        rows.push({ command, grants, available: false, wallMs: null, peakRssMb: null, invocation: null });
        continue;
      }
      if (ctx.timeLeftS() < 15) {
        rows.push(failedRow(command, grants, 'not run: out of time'));
        continue;
      }
      const runs: OpsRow[] = [];
      for (let k = 0; k < settings.opsRuns; k++) {
        if (k > 0 && ctx.timeLeftS() < 15) break;
        ctx.progress(
          `ops: ma-auth ${command} at ${grants.toLocaleString('en')} grants (${k + 1} of ${settings.opsRuns})`,
        );
        try {
          // migrate imports into a fresh install each run; the others work on the store-size install.
          let install = stores.get(grants);
          if (command === 'migrate') {
            install = await createInstall(build, ctx.tempRoot, `migrate-${grants}-${k + 1}`);
            writeFileSync(join(install.home, 'bench-grants.txt'), String(grants));
          }
          if (!install) throw new Error(`no ${grants}-grant store (its store-size run failed)`);
          runs.push(await runOp(ctx, command, grants, help, install));
        } catch (err) {
          runs.push(failedRow(command, grants, errorText(err)));
        }
        if (runs.at(-1)?.error) break;
      }
      rows.push(combineOpRuns(runs));
    }
  }
  return rows;
}

/** A row for a command this build has, without a time. */
function failedRow(command: Command, grants: number, error: string): OpsRow {
  return { command, grants, available: true, wallMs: null, peakRssMb: null, invocation: null, error };
}

/**
 * One row for a command's runs at one size: the median wall time (none if any
 * run failed: the first failure is the row's error), every run's time, and
 * the largest peak RSS. The runs are one command at one size.
 */
export function combineOpRuns(runs: readonly OpsRow[]): OpsRow {
  const first = runs[0];
  if (!first) throw new Error('combineOpRuns: no runs');
  const failed = runs.find((r) => r.error);
  const rss = runs.map((r) => r.peakRssMb).filter((v): v is number => v !== null);
  const runsMs = runs.map((r) => r.wallMs).filter((v): v is number => v !== null);
  const last = runs.at(-1) as OpsRow;
  return {
    command: first.command,
    grants: first.grants,
    available: first.available,
    wallMs: failed ? null : median(runsMs),
    runsMs,
    peakRssMb: rss.length ? Math.max(...rss) : null,
    invocation: failed?.invocation ?? last.invocation,
    ...(failed ? { error: failed.error } : { summary: last.summary ?? null }),
  };
}

async function runOp(
  ctx: RunContext,
  command: Command,
  grants: number,
  help: string,
  install: Install,
): Promise<OpsRow> {
  const { args, env, input } = INVOCATIONS[command](help, install);
  const rssFile = join(install.home, `rss-${command}.txt`);
  rmSync(rssFile, { force: true });
  const invocation = `ma-auth ${command} ${args.join(' ')}`.trim().replaceAll(install.home, '$MA_AUTH_HOME');
  const r = await runToEnd(process.execPath, ['--import', RSS_PRELOAD, ctx.build.bin, command, ...args], {
    env: { ...install.env, ...env, MA_AUTH_BENCH_RSS_FILE: rssFile },
    timeoutMs: 5 * 60_000,
    ...(input === undefined ? {} : { input }),
  });
  const peakKb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : Number.NaN;
  const peakRssMb = Number.isFinite(peakKb) ? peakKb / 1024 : null;
  if (r.code !== 0) {
    return {
      command,
      grants,
      available: true,
      wallMs: null,
      peakRssMb,
      invocation,
      error: `exit ${r.code}: ${(r.stderr || r.stdout).trim().split('\n')[0]?.slice(0, 200)}`,
    };
  }
  return {
    command,
    grants,
    available: true,
    wallMs: r.wallMs,
    peakRssMb,
    invocation,
    summary: summarise(r.stdout),
  };
}

/** The command's --json report without paths, hashes and key ids: what it did, in a line. */
function summarise(stdout: string): string | null {
  const noise = /file|sha256|fingerprint|keyid|createdat|keysource|^at$|path/i;
  try {
    const report = JSON.parse(stdout.trim().split('\n').pop() ?? '');
    const text = JSON.stringify(report, (key, value) => (key && noise.test(key) ? undefined : value));
    return text.slice(0, 300);
  } catch {
    return stdout.trim().replace(/\s+/g, ' ').slice(0, 300) || null;
  }
}
