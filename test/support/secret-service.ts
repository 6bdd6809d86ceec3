/**
 * Runs a command against a private, real Secret Service (gnome-keyring on its
 * own D-Bus session bus), for tests of the OS-keychain key source and of CLI
 * commands that use it (`ma-auth init --key-store keychain`).
 *
 * Isolation: every run gets its own bus (dbus-run-session with a minimal bus
 * config: no service activation, so nothing from the host's service files is
 * started), and HOME / XDG_* point into a test directory, so gnome-keyring keeps
 * its keyrings and control socket there. The user's real keyring, bus and
 * desktop are never touched; DISPLAY / WAYLAND_DISPLAY are removed so a
 * keyring that would need an unlock prompt fails instead of popping a dialog.
 *
 * Linux only; needs the Debian/Ubuntu packages `dbus` (dbus-run-session,
 * dbus-daemon, dbus-send) and `gnome-keyring`.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const TOOLS = ['dbus-run-session', 'dbus-daemon', 'dbus-send', 'gnome-keyring-daemon'] as const;
type Tool = (typeof TOOLS)[number];

export type SecretServiceAvailability =
  | { readonly ok: true; readonly tools: Readonly<Record<Tool, string>> }
  | { readonly ok: false; readonly reason: string };

/** Whether a private Secret Service can be started here, and if not, why. */
export function secretServiceAvailable(env: NodeJS.ProcessEnv = process.env): SecretServiceAvailability {
  if (process.platform !== 'linux') {
    return { ok: false, reason: `the Secret Service is Linux-only (this is ${process.platform})` };
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const tools: Partial<Record<Tool, string>> = {};
  const missing: Tool[] = [];
  for (const tool of TOOLS) {
    const found = dirs.map((dir) => join(dir, tool)).find(isExecutable);
    if (found) tools[tool] = found;
    else missing.push(tool);
  }
  if (missing.length > 0) {
    return {
      ok: false,
      reason:
        `${missing.join(', ')} not found on PATH; ` +
        'install the Debian/Ubuntu packages "dbus" and "gnome-keyring" to run these tests',
    };
  }
  return { ok: true, tools: tools as Record<Tool, string> };
}

/**
 * Why these tests must not be skipped here, or null when skipping is allowed:
 * CI must never quietly skip them because a package was not installed.
 */
export function secretServiceRequiredBy(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.MA_AUTH_REQUIRE_SECRET_SERVICE === '1') return 'MA_AUTH_REQUIRE_SECRET_SERVICE=1';
  if (env.CI === 'true' || env.CI === '1') return `CI=${env.CI}`;
  return null;
}

export interface SecretServiceGate {
  /** False when the tests should be skipped (no Secret Service, and not required). */
  readonly run: boolean;
  /** For the describe title: ` [skipped: <reason>]`, or '' when the tests run. */
  readonly skipNote: string;
  /** For beforeAll: throws with the reason when a Secret Service is required but missing. */
  assertAvailable(): void;
}

/**
 * Skipping logs the reason (a warning) besides putting it in the title. Usage:
 *   const gate = secretServiceGate();
 *   describe.skipIf(!gate.run)(`… (real Secret Service)${gate.skipNote}`, () => {
 *     beforeAll(() => gate.assertAvailable());
 */
export function secretServiceGate(env: NodeJS.ProcessEnv = process.env): SecretServiceGate {
  const availability = secretServiceAvailable(env);
  const requiredBy = secretServiceRequiredBy(env);
  const reason = availability.ok ? null : availability.reason;
  // Off Linux there is no Secret Service to require: skip even in CI.
  const run = reason === null || (requiredBy !== null && process.platform === 'linux');
  // The default reporter lists no test names for a passing file, so say it here too.
  if (!run) console.warn(`Secret Service tests skipped: ${reason}`);
  return {
    run,
    skipNote: run || reason === null ? '' : ` [skipped: ${reason}]`,
    assertAvailable() {
      if (reason !== null) {
        throw new Error(`a real Secret Service is required (${requiredBy}) but unavailable: ${reason}`);
      }
    },
  };
}

/**
 * What runs on the private bus:
 * - `unlocked` (default): gnome-keyring started and unlocked with a fixed
 *   password; on first use it creates the default "login" keyring, so writes
 *   work without any prompt. Checked before the command runs.
 * - `locked`: gnome-keyring started but not unlocked (an existing login keyring
 *   stays locked; anything needing it fails, as no prompt can be shown).
 * - `absent`: a session bus with no Secret Service on it.
 */
export type SecretServiceMode = 'unlocked' | 'locked' | 'absent';

export interface SecretServiceRunOptions {
  /** Base environment (default process.env); HOME, XDG_* and the D-Bus variables are replaced. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Written to the command's stdin (which is then closed). */
  readonly input?: string;
  /**
   * The isolated HOME (keyrings live under it). Pass the same directory to
   * several runs to see what a keyring kept across sessions (a "reboot"); the
   * caller then owns and removes it. Default: a fresh temp dir, removed after.
   */
  readonly home?: string;
  readonly mode?: SecretServiceMode;
  /** Default 20 s; then the whole process group is killed and the run rejects. */
  readonly timeoutMs?: number;
}

export interface SecretServiceRunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** The command's stderr, without dbus-daemon's own log lines. */
  readonly stderr: string;
}

const MARKER = 'secret-service test helper:';
const PASSWORD = 'ma-auth-test-keyring';

// Runs inside dbus-run-session: start gnome-keyring, check it is usable, run
// the command, then stop the daemon (it daemonizes into its own session, so it
// is stopped by pid rather than left to notice that the bus went away).
const SCRIPT = `
set -u
gkd=$MA_AUTH_SS_GKD; send=$MA_AUTH_SS_DBUS_SEND; mode=$MA_AUTH_SS_MODE; log=$MA_AUTH_SS_LOG
unset MA_AUTH_SS_GKD MA_AUTH_SS_DBUS_SEND MA_AUTH_SS_MODE MA_AUTH_SS_LOG
fail() {
  echo "${MARKER} $*" >&2
  if [ -s "$log" ]; then sed 's/^/  gnome-keyring-daemon: /' "$log" >&2; fi
  exit 125
}
q() { "$send" --session --print-reply=literal --reply-timeout=5000 "$@" </dev/null; }
pid=
if [ "$mode" != absent ]; then
  if [ "$mode" = unlocked ]; then
    # --unlock reads the password from stdin and creates the "login" keyring
    # (the default collection) with it when there is none yet.
    printf '%s' '${PASSWORD}' | "$gkd" --unlock --components=secrets >>"$log" 2>&1 ||
      fail "gnome-keyring-daemon --unlock failed"
  fi
  # --start puts the secrets component on the bus (there is no bus activation here).
  "$gkd" --start --components=secrets </dev/null >>"$log" 2>&1 || fail "gnome-keyring-daemon --start failed"
  out=$(q --dest=org.freedesktop.DBus /org/freedesktop/DBus \\
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets) ||
    fail "gnome-keyring-daemon did not take the name org.freedesktop.secrets on the bus"
  pid=\${out##* }
  if [ "$mode" = unlocked ]; then
    coll=$(q --dest=org.freedesktop.secrets /org/freedesktop/secrets \\
      org.freedesktop.Secret.Service.ReadAlias string:default) || fail "cannot read the default collection"
    coll=$(echo $coll)
    if [ -z "$coll" ] || [ "$coll" = / ]; then fail "gnome-keyring has no default collection"; fi
    locked=$(q --dest=org.freedesktop.secrets "$coll" org.freedesktop.DBus.Properties.Get \\
      string:org.freedesktop.Secret.Collection string:Locked) || fail "cannot read whether $coll is locked"
    case $locked in
      *false*) ;;
      *) fail "the default collection $coll is locked (an existing keyring with another password?)" ;;
    esac
  fi
fi
"$@"
rc=$?
if [ -n "$pid" ]; then
  kill "$pid" 2>/dev/null
  # Wait until it has exited (a zombie counts: its reaper is init, which may be slow).
  n=0
  while [ $n -lt 50 ]; do
    stat=
    read -r stat 2>/dev/null <"/proc/$pid/stat"
    state=\${stat##*) }
    case $state in '' | Z* | X*) break ;; esac
    sleep 0.05
    n=$((n + 1))
  done
fi
exit $rc
`;

// A session bus with nothing activatable: only what the script starts is on it.
// Its socket lives in the private runtime dir, so it goes away with the test dir.
function busConfig(socketDir: string): string {
  const dir = socketDir.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

/** Runs `cmd args…` with a private Secret Service on its session bus. */
export async function runWithSecretService(
  cmd: string,
  args: readonly string[],
  opts: SecretServiceRunOptions = {},
): Promise<SecretServiceRunResult> {
  const availability = secretServiceAvailable(opts.env ?? process.env);
  if (!availability.ok) throw new Error(`cannot start a Secret Service: ${availability.reason}`);
  const { tools } = availability;

  const home = opts.home ?? (await mkdtemp(join(tmpdir(), 'ma-auth-secret-service-')));
  try {
    const dirs = {
      data: join(home, '.local', 'share'),
      config: join(home, '.config'),
      cache: join(home, '.cache'),
      runtime: join(home, 'run'),
    };
    for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
    await chmod(dirs.runtime, 0o700); // XDG_RUNTIME_DIR must be private
    const busConfigFile = join(home, 'session-bus.conf');
    await writeFile(busConfigFile, busConfig(dirs.runtime));

    const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env) };
    for (const name of [
      'DBUS_SESSION_BUS_ADDRESS',
      'DBUS_STARTER_ADDRESS',
      'DBUS_STARTER_BUS_TYPE',
      'GNOME_KEYRING_CONTROL',
      'DISPLAY',
      'WAYLAND_DISPLAY',
    ]) {
      delete env[name];
    }
    Object.assign(env, {
      HOME: home,
      XDG_DATA_HOME: dirs.data,
      XDG_CONFIG_HOME: dirs.config,
      XDG_CACHE_HOME: dirs.cache,
      XDG_RUNTIME_DIR: dirs.runtime,
      MA_AUTH_SS_GKD: tools['gnome-keyring-daemon'],
      MA_AUTH_SS_DBUS_SEND: tools['dbus-send'],
      MA_AUTH_SS_MODE: opts.mode ?? 'unlocked',
      MA_AUTH_SS_LOG: join(home, 'gnome-keyring-daemon.log'),
    });

    // The daemon occasionally fails to take its bus name when the machine is
    // busy (seen once in a full CI run); the command has not run then (the
    // script stops before it), so starting again is safe.
    for (let attempt = 1; ; attempt++) {
      const result = await run(
        tools['dbus-run-session'],
        [
          `--config-file=${busConfigFile}`,
          `--dbus-daemon=${tools['dbus-daemon']}`,
          '--',
          '/bin/sh',
          '-c',
          SCRIPT,
          'sh',
          cmd,
          ...args,
        ],
        { env, cwd: opts.cwd, input: opts.input, timeoutMs: opts.timeoutMs ?? 20_000 },
      );
      const stderr = result.stderr
        .split('\n')
        .filter((line) => !/^dbus-daemon\[\d+\]: /.test(line))
        .join('\n');
      if (result.code === 125 && stderr.includes(MARKER)) {
        if (attempt < 2) continue;
        throw new Error(`the private Secret Service did not start:\n${stderr}`);
      }
      return { ...result, stderr };
    }
  } finally {
    if (opts.home === undefined) await rm(home, { recursive: true, force: true });
  }
}

interface RunOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string | undefined;
  readonly input: string | undefined;
  readonly timeoutMs: number;
}

function run(file: string, args: string[], opts: RunOptions): Promise<SecretServiceRunResult> {
  return new Promise((resolve, reject) => {
    // Own process group, so a timeout can stop the command, the shell and the bus together.
    const child = spawn(file, args, { env: opts.env, cwd: opts.cwd, detached: true, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    let timedOut = false;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2_000).unref();
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new Error(`timed out after ${opts.timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      } else {
        resolve({ code, signal, stdout, stderr });
      }
    });
    child.stdin.on('error', () => {
      // The command may exit without reading its input.
    });
    child.stdin.end(opts.input ?? '');
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
