/**
 * `ma-auth link --json` as a child process (no TTY), read event by event:
 * tests wait for `pairing`, act on the code, then wait for the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { BIN } from './paths.js';

export type LinkEvent = Record<string, unknown> & { readonly event: string };

export interface LinkChild {
  readonly child: ChildProcess;
  /** Every event so far. */
  readonly events: LinkEvent[];
  /** The first event named `name`, waiting for it; fails if the command ends first. */
  next(name: string, timeoutMs?: number): Promise<LinkEvent>;
  /** Exit code once the command has ended. */
  exit(timeoutMs?: number): Promise<number | null>;
  stderr(): string;
  kill(): void;
}

export function startLink(env: Record<string, string>, args: string[] = ['--no-qr']): LinkChild {
  const child = spawn(process.execPath, [BIN, 'link', '--json', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: LinkEvent[] = [];
  let stdout = '';
  let stderr = '';
  let changed: () => void = () => {};
  child.stdout?.on('data', (d) => {
    stdout += d;
    let nl = stdout.indexOf('\n');
    while (nl >= 0) {
      const line = stdout.slice(0, nl).trim();
      stdout = stdout.slice(nl + 1);
      // Anything but one JSON object per line is a bug the test should see.
      if (line) events.push(JSON.parse(line) as LinkEvent);
      nl = stdout.indexOf('\n');
    }
    changed();
  });
  child.stderr?.on('data', (d) => (stderr += d));
  // 'close', not 'exit': by then every line of stdout has been read.
  let ended = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      ended = true;
      resolve(code);
      changed();
    }),
  );

  const until = async <T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      if (ended) {
        throw new Error(`ma-auth link ended (${child.exitCode}) before ${what}:\n${stderr}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} from ma-auth link within ${timeoutMs} ms:\n${stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        changed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  return {
    child,
    events,
    next: (name, timeoutMs = 15_000) =>
      until(`a "${name}" event`, () => events.find((e) => e.event === name), timeoutMs),
    exit: async (timeoutMs = 20_000) => {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`ma-auth link did not end within ${timeoutMs} ms`)),
          timeoutMs,
        ).unref(),
      );
      return Promise.race([exited, timeout]);
    },
    stderr: () => stderr,
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
