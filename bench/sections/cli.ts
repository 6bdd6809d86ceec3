/**
 * The CLI as an owner meets it: `ma-auth --help`, `ma-auth status`, and
 * `ma-auth link` from nothing running to the QR code on screen (it has to
 * spawn the listener first). Wall time from spawn to exit (or to the first
 * QR block character on stdout), this run's build, no TTY.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInstall, type Install, installEnv } from '../lib/install.js';
import { exited, runToEnd, track } from '../lib/proc.js';
import type { CliResults, Timing } from '../lib/results.js';
import { median } from '../lib/stats.js';
import { errorText, type RunContext } from './context.js';

/** qrcode-terminal's small mode draws with these. */
const QR_BLOCKS = /[▀▄█]/;

export async function cliSection(ctx: RunContext): Promise<CliResults> {
  const { settings, build } = ctx;
  const install = await createInstall(build, ctx.tempRoot, 'cli');
  const node = process.execPath;

  const timeRuns = async (
    what: string,
    runs: number,
    args: string[],
    env: Record<string, string>,
  ): Promise<Timing> => {
    ctx.progress(`cli: ${what} × ${runs}`);
    const runsMs: number[] = [];
    try {
      await runToEnd(node, [build.bin, ...args], { env, timeoutMs: 30_000 }); // warm the file cache; not counted
      for (let i = 0; i < runs; i++) {
        const r = await runToEnd(node, [build.bin, ...args], { env, timeoutMs: 30_000 });
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.trim().slice(0, 200)}`);
        runsMs.push(r.wallMs);
      }
      return { runsMs, medianMs: median(runsMs) };
    } catch (err) {
      return { runsMs, medianMs: median(runsMs), error: errorText(err) };
    }
  };

  const help = await timeRuns(
    'ma-auth --help',
    settings.helpRuns,
    ['--help'],
    installEnv(join(ctx.tempRoot, 'no-home')),
  );
  const status = await timeRuns('ma-auth status', settings.statusRuns, ['status'], install.env);

  ctx.progress(`cli: ma-auth link to QR (spawning the listener) × ${settings.linkRuns}`);
  const linkRuns: number[] = [];
  let linkError: string | undefined;
  try {
    for (let i = 0; i < settings.linkRuns; i++) linkRuns.push(await timeLinkToQr(ctx, install));
  } catch (err) {
    linkError = errorText(err);
  }
  return {
    help,
    status,
    linkQr: { runsMs: linkRuns, medianMs: median(linkRuns), ...(linkError ? { error: linkError } : {}) },
  };
}

async function timeLinkToQr(ctx: RunContext, install: Install): Promise<number> {
  const started = performance.now();
  const child = track(
    spawn(process.execPath, [ctx.build.bin, 'link', '--timeout', '120'], {
      env: install.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  try {
    const elapsed = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no QR within 30 s; output:\n${output.slice(-500)}`)),
        30_000,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        const at = performance.now();
        output += chunk.toString('utf8');
        if (QR_BLOCKS.test(output)) {
          clearTimeout(timer);
          resolve(at - started);
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`ma-auth link ended (${code}) before a QR code: ${output.trim().slice(-300)}`));
      });
    });
    return elapsed;
  } finally {
    // Ctrl-C cancels the pairing on the listener; then stop the listener link started.
    if (child.exitCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
    }
    await stopListener(ctx, install);
  }
}

/** `ma-auth stop`, and if a listener is still named in the pid file, end that pid. */
export async function stopListener(ctx: RunContext, install: Install): Promise<void> {
  await runToEnd(process.execPath, [ctx.build.bin, 'stop', '--timeout', '10'], {
    env: install.env,
    timeoutMs: 30_000,
  }).catch(() => null);
  try {
    const { pid } = JSON.parse(readFileSync(join(install.home, 'data', 'listener.pid'), 'utf8')) as {
      pid: number;
    };
    process.kill(pid, 'SIGKILL');
  } catch {
    // no pid file, or the process is gone: stopped
  }
}
