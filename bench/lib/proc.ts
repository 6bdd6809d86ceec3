/**
 * Child processes and what Linux says about them.
 *
 * Server CPU time comes from /proc/<pid>/stat (utime + stime), peak RSS from
 * /proc/<pid>/status (VmHWM), reset before each measurement by writing 5 to
 * /proc/<pid>/clear_refs. Off Linux these read as null ("not measured").
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { RESOLVE_HOOK } from './paths.js';

/** Every child the bench started, so an interrupted run can end them (by pid, never by name). */
const children = new Set<ChildProcess>();

/**
 * Node options of the processes that make the load (autocannon's, the
 * flows'): one V8 helper thread instead of Node's four. They share the two
 * cores with the server they measure, and a burst made their four helpers
 * (garbage collection, optimising compilers) take a core from the server's
 * event loop while it was runnable — time a real client, on another machine,
 * never takes. What they send is the same. docs/benchmarks.md, "The load".
 */
export const LOAD_NODE_OPTIONS: readonly string[] = ['--v8-pool-size=1'];

/** A bench TypeScript file as a child process, with an IPC channel. */
export function spawnTs(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; stdio?: SpawnOptions['stdio']; execArgv?: readonly string[] } = {},
): ChildProcess {
  const child = spawn(
    process.execPath,
    [...(options.execArgv ?? []), '--import', RESOLVE_HOOK, file, ...args],
    {
      env: options.env ?? process.env,
      stdio: options.stdio ?? ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  track(child);
  return child;
}

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function killAllTracked(): void {
  for (const child of children) if (child.exitCode === null && child.pid) child.kill('SIGKILL');
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export function exited(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) return exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited(child);
  } finally {
    clearTimeout(timer);
  }
}

/** The next IPC message that `accept` takes, or a rejection on exit or timeout. */
export function nextMessage<T>(
  child: ChildProcess,
  accept: (msg: unknown) => T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (msg: unknown) => {
      const value = accept(msg);
      if (value === undefined) return;
      done();
      resolve(value);
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`${what}: the process ended (code ${code}, signal ${signal})`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Messages are `{ type, ... }` objects; this accepts the one with `type`. */
export function ofType<T>(type: string): (msg: unknown) => T | undefined {
  return (msg) =>
    typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === type
      ? (msg as T)
      : undefined;
}

let clockTicks: number | null = null;
function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User and system CPU time of a live process in milliseconds, or null. */
export function cpuTimeMs(pid: number): { user: number; system: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const tick = 1000 / ticksPerSecond();
    return { user: Number(fields[11]) * tick, system: Number(fields[12]) * tick };
  } catch {
    return null;
  }
}

/**
 * Machine-wide CPU time from /proc/stat, in milliseconds summed over CPUs:
 * `busy` (everything but idle and iowait) and `steal` (time the hypervisor
 * gave this VM's CPUs to someone else). Around a run, busy minus the server's
 * and the load generator's own CPU is what *other* processes took.
 */
export function systemCpuMs(): { busy: number; steal: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, ...fields] = line.trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number) as number[];
    const tick = 1000 / ticksPerSecond();
    return {
      busy: ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * tick,
      steal: (steal ?? 0) * tick,
    };
  } catch {
    return null;
  }
}

/**
 * The kernel's count of connections dropped because a listen queue was full
 * (TcpExt ListenOverflows), machine-wide. Read around a run, it says whether
 * the listen backlog turned connections away.
 */
export function listenOverflows(): number | null {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('TcpExt:'));
    const names = lines[0]?.split(' ') ?? [];
    const values = lines[1]?.split(' ') ?? [];
    const i = names.indexOf('ListenOverflows');
    return i > 0 ? Number(values[i]) : null;
  } catch {
    return null;
  }
}

/** Peak resident set size (VmHWM) of a live process in MiB, or null. */
export function peakRssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

/** Resets VmHWM to the current RSS, so the next reading is this measurement's peak. False if not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Runs a command to completion, collecting its output. */
export function runToEnd(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string; input?: string } = {},
): Promise<{
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = track(
      spawn(command, [...args], {
        env: options.env ?? process.env,
        cwd: options.cwd,
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      }),
    );
    child.stdin?.end(options.input);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const wallMs = performance.now() - started;
      clearTimeout(timer);
      // 'close' follows once the pipes drain.
      child.once('close', () => resolve({ code, signal, stdout, stderr, wallMs }));
    });
  });
}
