/**
 * The background listener: `serve --detach` starts it, `stop` stops it, `link`
 * starts it when none answers (DESIGN.md "Linking Alexa" step 1).
 *
 * The pid file (data dir, JSON, written atomically, 0600) records the pid, the
 * address and the start time. A pid file is trusted only while its process is
 * alive AND is an `ma-auth serve` (Linux: /proc/<pid>/cmdline; elsewhere `ps`,
 * else a /health answer on the recorded address): pids are reused, and `stop`
 * must never signal a stranger. Anything else is a stale pid file, removed.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, fchmodSync, openSync } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensurePrivateDir, writeFileAtomic } from '../config/fs-private.js';
import type { Paths } from '../config/paths.js';
import { listenerNodeOptions } from '../server/node-options.js';
import type { Deps } from './deps.js';
import { CliError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { probeListener } from './listener-probe.js';
import { sanitize } from './sanitize.js';

export type Listen = { readonly host: string; readonly port: number };

export interface PidRecord {
  readonly pid: number;
  /** `host:port` the listener was started on. */
  readonly listen: string;
  /** ISO 8601. */
  readonly startedAt: string;
}

export type PidFileState =
  | { readonly kind: 'none' }
  | { readonly kind: 'running'; readonly record: PidRecord }
  /** The pid file is unreadable, or its process is gone or is not ours. */
  | { readonly kind: 'stale'; readonly pid: number | null; readonly reason: string };

/** How long `serve --detach` / `link` wait for a new listener's /health. */
export const START_TIMEOUT_MS = 5_000;
/** How long `stop` waits after SIGTERM: the listener's graceful shutdown takes up to 8 s. */
export const STOP_TIMEOUT_MS = 10_000;

/** The launcher of this very installation: dist/cli/ → bin/ma-auth.js. */
const BIN = fileURLToPath(new URL('../../bin/ma-auth.js', import.meta.url));

export function formatListen(listen: Listen): string {
  return listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
}

/** Where the CLI reaches a listener bound to `listen` (a wildcard bind is reached on loopback). */
export function listenerUrl(listen: Listen): string {
  if (listen.host === '0.0.0.0') return `http://127.0.0.1:${listen.port}`;
  if (listen.host === '::') return `http://[::1]:${listen.port}`;
  return `http://${formatListen(listen)}`;
}

// ── pid file ──

export async function writePidFile(file: string, record: PidRecord): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(record)}\n`);
}

async function readPidFile(file: string): Promise<PidRecord | 'missing' | 'invalid'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'invalid';
  }
  try {
    const raw = JSON.parse(text) as Partial<PidRecord>;
    if (!Number.isInteger(raw.pid) || (raw.pid as number) <= 1) return 'invalid';
    return {
      pid: raw.pid as number,
      listen: typeof raw.listen === 'string' ? raw.listen : '',
      startedAt: typeof raw.startedAt === 'string' ? raw.startedAt : '',
    };
  } catch {
    return 'invalid';
  }
}

/** Removes the pid file only if it still names `pid` (a newer listener's file stays). */
export async function removePidFile(file: string, pid: number | null): Promise<void> {
  const current = await readPidFile(file);
  if (current === 'missing') return;
  if (pid !== null && current !== 'invalid' && current.pid !== pid) return;
  await unlink(file).catch(() => {});
}

export async function inspectPidFile(paths: Paths): Promise<PidFileState> {
  const record = await readPidFile(paths.pidFile);
  if (record === 'missing') return { kind: 'none' };
  if (record === 'invalid') return { kind: 'stale', pid: null, reason: 'the pid file is unreadable' };
  const identity = await processIdentity(record.pid, record.listen);
  if (identity === 'listener') return { kind: 'running', record };
  return {
    kind: 'stale',
    pid: record.pid,
    reason:
      identity === 'gone'
        ? `process ${record.pid} no longer runs`
        : `process ${record.pid} is not an ma-auth listener`,
  };
}

// ── process identity ──

type Identity = 'listener' | 'other' | 'gone';

async function processIdentity(pid: number, listen: string): Promise<Identity> {
  if (await hasExited(pid)) return 'gone';
  const line = await commandLine(pid);
  if (line === 'gone') return 'gone';
  if (line !== null) return isListenerCommand(line) ? 'listener' : 'other';
  // No way to read its command line here: believe a /health answer on the recorded address.
  const parsed = parseListenAddress(listen);
  return parsed && (await probeListener(parsed, 800)) ? 'listener' : 'other';
}

/**
 * `node [options] …/ma-auth(.js) serve …` — what `serve --detach` runs. Matched on the
 * joined command line: `ps` cannot tell spaces in a path from separators.
 */
export function isListenerCommand(commandLine: string): boolean {
  return /(?:^|[\\/\s])ma-auth(?:\.js)? serve(?: |$)/.test(commandLine);
}

/** Gone, or (Linux) a zombie waiting to be reaped: either way it serves nothing. */
async function hasExited(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive, but another user's — not a listener this user started.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  if (process.platform !== 'linux') return false;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat === null || /\)\s+Z/.test(stat);
}

async function commandLine(pid: number): Promise<string | 'gone' | null> {
  if (process.platform === 'linux') {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
    if (raw === null) return (await hasExited(pid)) ? 'gone' : null;
    return raw ? raw.split('\0').filter(Boolean).join(' ') : 'gone';
  }
  if (process.platform === 'win32') return null;
  try {
    const { stdout } = await promisify(execFile)('ps', ['-o', 'command=', '-p', String(pid)]);
    const line = stdout.trim();
    return line || 'gone';
  } catch {
    return (await hasExited(pid)) ? 'gone' : null;
  }
}

function parseListenAddress(text: string): Listen | null {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  return m ? { host: (m[1] ?? m[2]) as string, port: Number(m[3]) } : null;
}

// ── start ──

export type StartOutcome =
  | { readonly kind: 'already'; readonly address: string; readonly pid: number | null }
  | {
      readonly kind: 'started';
      readonly address: string;
      readonly pid: number;
      readonly logFile: string;
      /** A stale pid file that was removed first, and why. */
      readonly cleaned: string | null;
    };

/**
 * Starts `ma-auth serve` in the background (own process group, output appended
 * to the log file) unless a listener already answers on `listen`, and waits
 * until it answers /health.
 */
export async function startDetached(deps: Deps, listen: Listen): Promise<StartOutcome> {
  const address = formatListen(listen);
  const state = await inspectPidFile(deps.paths);
  let cleaned: string | null = null;
  if (state.kind === 'stale') {
    await removePidFile(deps.paths.pidFile, state.pid);
    cleaned = `removed a stale pid file (${state.reason})`;
  }
  if (await probeListener(listen, 800)) {
    return { kind: 'already', address, pid: state.kind === 'running' ? state.record.pid : null };
  }
  if (state.kind === 'running') {
    throw new CliError(
      EXIT.error,
      `a listener (pid ${state.record.pid}, started ${state.record.startedAt}) runs but does not answer on ${address}. ` +
        'Stop it with: ma-auth stop',
    );
  }

  await ensurePrivateDir(deps.paths.dataDir);
  const logFile = deps.paths.logFile;
  const logStart = await stat(logFile).then(
    (s) => s.size,
    () => 0,
  );
  const fd = openSync(logFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    fchmodSync(fd, 0o600);
    child = spawn(process.execPath, [...listenerNodeOptions(), BIN, 'serve', '--listen', address], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: deps.env as NodeJS.ProcessEnv,
      windowsHide: true,
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new CliError(EXIT.error, `could not start the listener: ${err.message}`);
  }
  const run: { exit: string | null } = { exit: null };
  child.once('exit', (code, sig) => {
    run.exit = sig ?? `exit code ${code}`;
  });
  child.unref();
  await writePidFile(deps.paths.pidFile, {
    pid,
    listen: address,
    startedAt: new Date(deps.now()).toISOString(),
  });

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (run.exit === null && Date.now() < deadline) {
    if (await probeListener(listen, 500)) return { kind: 'started', address, pid, logFile, cleaned };
    await sleep(150);
  }
  const why =
    run.exit === null
      ? `the listener did not answer on ${address} within ${START_TIMEOUT_MS / 1000} s (stopped it)`
      : `the listener ended (${run.exit}) before answering on ${address}`;
  if (run.exit === null) child.kill('SIGKILL');
  await removePidFile(deps.paths.pidFile, pid);
  const tail = await logTail(logFile, logStart);
  throw new CliError(EXIT.error, `${why}. The end of ${logFile}:\n${tail || '  (empty)'}`);
}

/** The last lines written since `offset`, sanitised (the log holds request paths anyone can send). */
async function logTail(file: string, offset: number, lines = 15): Promise<string> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return '';
  try {
    const size = (await handle.stat()).size;
    const from = Math.max(offset, size - 16_384);
    const buf = Buffer.alloc(size - from);
    await handle.read(buf, 0, buf.length, from);
    return buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim())
      .slice(-lines)
      .map((l) => `  ${sanitize(l, 1000)}`)
      .join('\n');
  } finally {
    await handle.close();
  }
}

// ── stop ──

export type StopOutcome =
  | { readonly kind: 'not_running'; readonly cleaned: string | null }
  | { readonly kind: 'stopped'; readonly pid: number; readonly forced: boolean };

/** SIGTERM, wait up to `timeoutMs`, then SIGKILL; removes the pid file. */
export async function stopDetached(paths: Paths, timeoutMs = STOP_TIMEOUT_MS): Promise<StopOutcome> {
  const state = await inspectPidFile(paths);
  if (state.kind === 'none') return { kind: 'not_running', cleaned: null };
  if (state.kind === 'stale') {
    await removePidFile(paths.pidFile, state.pid);
    return { kind: 'not_running', cleaned: `removed a stale pid file (${state.reason})` };
  }
  const { pid } = state.record;
  signal(pid, 'SIGTERM');
  let forced = false;
  if (!(await waitGone(pid, timeoutMs))) {
    forced = true;
    signal(pid, 'SIGKILL');
    await waitGone(pid, 2_000);
  }
  await removePidFile(paths.pidFile, pid);
  return { kind: 'stopped', pid, forced };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await hasExited(pid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
