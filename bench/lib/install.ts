/**
 * A real install for the bench: `ma-auth init` (this run's build) in a fresh
 * MA_AUTH_HOME under the OS temp folder, on a free loopback port, with a key
 * file — what an owner's `init --yes --key-store file` makes.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Build } from './build.js';
import { runToEnd } from './proc.js';

export const ALEXA_REDIRECT = 'https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH';

export interface Install {
  readonly home: string;
  readonly env: Record<string, string>;
  readonly port: number;
  readonly baseUrl: string;
  readonly alexa: { readonly clientId: string; readonly clientSecret: string; readonly redirectUri: string };
  readonly musicAssistant: { readonly clientId: string; readonly clientSecret: string };
  readonly storeFile: string;
}

/** The temp folder every bench install goes under (removed at the end of the run). */
export function makeTempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'ma-auth-bench-'));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Environment for ma-auth commands: nothing of the caller's keys or homes leaks in. */
export function installEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    MA_AUTH_HOME: home,
    HOME: home,
    ...extra,
  };
}

export async function createInstall(build: Build, tempRoot: string, name: string): Promise<Install> {
  const home = mkdtempSync(join(tempRoot, `${name}-`));
  const env = installEnv(home);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const init = await runToEnd(
    process.execPath,
    [
      build.bin,
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
    ],
    { env, timeoutMs: 30_000 },
  );
  if (init.code !== 0) throw new Error(`ma-auth init failed (${init.code}): ${init.stderr.trim()}`);
  const result = JSON.parse(init.stdout);
  return {
    home,
    env,
    port,
    baseUrl,
    alexa: {
      clientId: result.alexa.clientId,
      clientSecret: result.alexa.clientSecret,
      redirectUri: ALEXA_REDIRECT,
    },
    musicAssistant: {
      clientId: result.musicAssistant.clientId,
      clientSecret: readFileSync(result.musicAssistant.secretFile, 'utf8').trim(),
    },
    storeFile: join(home, 'data', 'ma-auth.db'),
  };
}

/** HTTP Basic per RFC 6749 §2.3.1 (id and secret form-urlencoded first). */
export function basicAuth(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}
