/**
 * A real terminal for CLI tests: a private tmux server (its own socket) runs
 * the command in a pane; tests type with send-keys and read with capture-pane.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Terminal {
  /** Type literal text (no Enter). */
  type(text: string): Promise<void>;
  /** Press keys by tmux name: 'Enter', 'Down', 'C-c'. */
  press(...keys: string[]): Promise<void>;
  screen(): Promise<string>;
  /** Wait until the screen matches, or fail with what was on it. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** The command's exit code, once it has ended. */
  exitCode(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

export async function openTerminal(
  command: string[],
  env: Record<string, string>,
  cols = 100,
  rows = 40,
): Promise<Terminal> {
  const socket = `ma-auth-test-${randomBytes(6).toString('hex')}`;
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args], { env });
  const quoted = command.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  // Print the exit code and keep the pane alive so the test can read both.
  await tmux(
    'new-session',
    '-d',
    '-x',
    String(cols),
    '-y',
    String(rows),
    '-s',
    't',
    `${quoted}; echo "[exit $?]"; sleep 600`,
  );
  const screen = async () => (await tmux('capture-pane', '-p', '-t', 't')).stdout;
  const waitFor = async (pattern: RegExp | string, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await screen();
      if (typeof pattern === 'string' ? last.includes(pattern) : pattern.test(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${pattern}; the screen was:\n${last}`);
  };
  return {
    type: async (text) => void (await tmux('send-keys', '-t', 't', '-l', text)),
    press: async (...keys) => void (await tmux('send-keys', '-t', 't', ...keys)),
    screen,
    waitFor,
    exitCode: async (timeoutMs) => {
      const s = await waitFor(/\[exit \d+\]/, timeoutMs);
      return Number(/\[exit (\d+)\]/.exec(s)?.[1]);
    },
    close: async () => {
      await tmux('kill-server').catch(() => {});
    },
  };
}
