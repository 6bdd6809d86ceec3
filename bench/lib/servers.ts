/**
 * Starting the three servers as child processes (orchestrator side). Each
 * logs to a file in the run folder — ma-auth's access log included, as a
 * detached listener's would go to listener.log.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Build } from './build.js';
import type { Install } from './install.js';
import { freePort } from './install.js';
import { benchFile } from './paths.js';
import { nextMessage, ofType, spawnTs, stopChild } from './proc.js';

export interface ServerHandle {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly logFile: string;
  /** What the server said about itself when ready (ma-auth: which store it opened). */
  readonly detail: string | null;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

async function start(
  name: string,
  file: string,
  args: string[],
  logDir: string,
  port: number,
  execArgv: readonly string[] = [],
): Promise<ServerHandle> {
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawnTs(file, args, { stdio: ['ignore', fd, fd, 'ipc'], execArgv });
  closeSync(fd);
  const ready = await nextMessage(
    child,
    ofType<{ port: number; store?: string }>('ready'),
    30_000,
    `starting ${name} (log: ${logFile})`,
  );
  return {
    name,
    pid: child.pid as number,
    port: ready.port || port,
    url: `http://127.0.0.1:${ready.port || port}`,
    logFile,
    detail: ready.store ?? null,
    child,
    stop: async () => {
      await stopChild(child, 15_000);
    },
  };
}

export async function startBare(logDir: string, path: string): Promise<ServerHandle> {
  const port = await freePort();
  return start('bare', benchFile('servers', 'bare.ts'), [String(port), path], logDir, port);
}

export async function startOidc(logDir: string, mode: 'rotating' | 'non-rotating'): Promise<ServerHandle> {
  const port = await freePort();
  return start(`oidc-${mode}`, benchFile('servers', 'oidc.ts'), [String(port), mode], logDir, port);
}

export async function startMaAuth(
  build: Build,
  install: Install,
  logDir: string,
  options: { name?: string; limits?: 'relaxed' | 'default'; execArgv?: readonly string[] } = {},
): Promise<ServerHandle> {
  return start(
    options.name ?? 'ma-auth',
    benchFile('servers', 'ma-auth.ts'),
    [build.dist, install.home, options.limits ?? 'relaxed'],
    logDir,
    install.port,
    [...(await listenerNodeOptions(build)), ...(options.execArgv ?? [])],
  );
}

/**
 * The Node options ma-auth starts its listener with (`ma-auth link`, `serve
 * --detach`, the shipped systemd unit: src/server/node-options.ts), for this
 * machine; none for a build that has no such module.
 */
async function listenerNodeOptions(build: Build): Promise<string[]> {
  const file = join(build.dist, 'server', 'node-options.js');
  if (!existsSync(file)) return [];
  const module = (await import(pathToFileURL(file).href)) as { listenerNodeOptions?: () => string[] };
  return module.listenerNodeOptions?.() ?? [];
}

/** Asks the oidc-provider child to pre-issue `count` refresh tokens into `file`. */
export async function issueOidcTokens(server: ServerHandle, count: number, file: string): Promise<void> {
  const reply = nextMessage(
    server.child,
    ofType<{ error?: string }>('issued'),
    120_000,
    `pre-issuing ${count} tokens on ${server.name}`,
  );
  server.child.send({ type: 'issue', count, file });
  const { error } = await reply;
  if (error) throw new Error(`${server.name}: ${error}`);
}
