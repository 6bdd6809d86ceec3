/**
 * A real install for end-to-end tests: `ma-auth init` in a temp MA_AUTH_HOME
 * on a free loopback port, and the real listener (`ma-auth serve`) as a child
 * process that tests can stop gracefully, kill -9, and start again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from './cli.js';
import { BIN } from './paths.js';

export const ALEXA_REDIRECT = 'https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH';

export interface Install {
  readonly home: string;
  readonly env: Record<string, string>;
  readonly port: number;
  /** http://127.0.0.1:<port> — also the public URL (init ran with --insecure-http). */
  readonly baseUrl: string;
  readonly alexa: { readonly clientId: string; readonly clientSecret: string; readonly redirectUri: string };
  readonly musicAssistant: { readonly clientId: string; readonly clientSecret: string };
  readonly storeFile: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The `ma-auth init` arguments of a test install listening on `port`. */
export function initArgs(port: number): string[] {
  const baseUrl = `http://127.0.0.1:${port}`;
  return [
    'init',
    '--yes',
    '--json',
    '--public-url',
    baseUrl,
    '--insecure-http',
    '--listen',
    `127.0.0.1:${port}`,
    '--redirect-uri',
    ALEXA_REDIRECT,
    '--key-store',
    'file',
  ];
}

/** The Install described by a successful `init --json`'s output. */
export async function installFromInit(
  base: { home: string; env: Record<string, string>; port: number },
  init: { code: number | null; stdout: string; stderr: string },
): Promise<Install> {
  if (init.code !== 0) throw new Error(`init failed (${init.code}): ${init.stderr}`);
  const result = JSON.parse(init.stdout);
  return {
    ...base,
    baseUrl: `http://127.0.0.1:${base.port}`,
    alexa: {
      clientId: result.alexa.clientId,
      clientSecret: result.alexa.clientSecret,
      redirectUri: ALEXA_REDIRECT,
    },
    musicAssistant: {
      clientId: result.musicAssistant.clientId,
      clientSecret: (await readFile(result.musicAssistant.secretFile, 'utf8')).trim(),
    },
    storeFile: join(base.home, 'data', 'ma-auth.db'),
  };
}

export async function createTestInstall(extraInitArgs: string[] = []): Promise<Install> {
  const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-e2e-'));
  const home = join(tmp, 'home');
  const env = cleanEnv({ MA_AUTH_HOME: home, HOME: tmp });
  const port = await freePort();
  const init = await runCli([...initArgs(port), ...extraInitArgs], env);
  return installFromInit({ home, env, port }, init);
}

export interface Listener {
  readonly child: ChildProcess;
  /** Everything the listener logged (JSON lines). */
  readonly logs: () => string;
  /** SIGTERM and wait (graceful). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait: a crash. */
  kill(): Promise<void>;
}

/** `ma-auth serve` in the foreground as a child; resolves once /health answers. */
export async function startListener(install: Install, timeoutMs = 10_000): Promise<Listener> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: install.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`listener exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${install.baseUrl}/health`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`listener did not answer within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    logs: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
