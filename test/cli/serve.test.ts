/**
 * `serve --detach`, `stop` and `serve` in the foreground, with the real
 * listener as a child process (its /health answers even before the protocol
 * core is wired).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isListenerCommand } from '../../src/cli/listener-process.js';
import { listenerV8PoolSize } from '../../src/server/node-options.js';
import { cleanEnv, runCli } from '../support/cli.js';
import { BIN } from '../support/paths.js';

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Running, and not a zombie (an orphaned listener may wait a moment to be reaped). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    return !/\)\s+Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A pid that surely ran and is gone. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await once(child, 'exit');
  return child.pid as number;
}

describe('ma-auth serve / stop', () => {
  let home: string;
  let env: Record<string, string>;
  let port: number;
  let pidFile: string;
  const strays: ChildProcess[] = [];

  beforeEach(async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-serve-'));
    home = join(tmp, 'home');
    env = cleanEnv({ MA_AUTH_HOME: home, HOME: tmp });
    port = await freePort();
    pidFile = join(home, 'data', 'listener.pid');
    const init = await runCli(
      [
        'init',
        '--yes',
        '--public-url',
        'https://ma.example.test',
        '--redirect-uri',
        'https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH',
        '--key-store',
        'file',
        '--listen',
        `127.0.0.1:${port}`,
      ],
      env,
    );
    expect(init.code, init.stderr).toBe(0);
  });

  afterEach(async () => {
    await runCli(['stop', '--timeout', '2'], env);
    for (const c of strays.splice(0)) c.kill('SIGKILL');
  });

  it('serve --detach starts a listener, writes the pid file; status sees it; stop stops it', async () => {
    const started = await runCli(['serve', '--detach', '--json'], env);
    expect(started.code, started.stderr).toBe(0);
    const result = JSON.parse(started.stdout);
    expect(result).toMatchObject({ event: 'started', address: `127.0.0.1:${port}`, cleaned: null });
    const record = JSON.parse(await readFile(pidFile, 'utf8'));
    expect(record).toEqual({ pid: result.pid, listen: `127.0.0.1:${port}`, startedAt: expect.any(String) });
    expect(Number.isNaN(Date.parse(record.startedAt))).toBe(false);
    expect(alive(result.pid)).toBe(true);
    // With the listener's Node options (src/server/node-options.ts).
    expect(readFileSync(`/proc/${result.pid}/cmdline`, 'utf8').split('\0')).toContain(
      `--v8-pool-size=${listenerV8PoolSize()}`,
    );
    expect((await stat(pidFile)).mode & 0o077).toBe(0);
    expect((await stat(join(home, 'data', 'listener.log'))).mode & 0o077).toBe(0);

    const status = await runCli(['status'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`listener    answering on 127.0.0.1:${port}`);

    const again = await runCli(['serve', '--detach'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`A listener already answers on 127.0.0.1:${port} (pid ${result.pid})`);

    const stopped = await runCli(['stop'], env);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toBe(`Stopped the listener (pid ${result.pid}).\n`);
    expect(existsSync(pidFile)).toBe(false);
    expect(alive(result.pid)).toBe(false);
    const log = await readFile(join(home, 'data', 'listener.log'), 'utf8');
    expect(log).toMatch(/"msg":"listening"/);
    expect(log).toMatch(/"msg":"stopped"/);

    const after = await runCli(['status', '--json'], env);
    expect(JSON.parse(after.stdout).listener).toEqual({ address: `127.0.0.1:${port}`, answering: false });
    const stopAgain = await runCli(['stop'], env);
    expect(stopAgain.code).toBe(0);
    expect(stopAgain.stdout).toBe('No listener is running.\n');
  });

  it('a stale pid file (dead process) is cleaned by serve --detach and by stop', async () => {
    const dead = await deadPid();
    const stale = JSON.stringify({
      pid: dead,
      listen: `127.0.0.1:${port}`,
      startedAt: new Date().toISOString(),
    });
    await writeFile(pidFile, stale);
    const started = await runCli(['serve', '--detach'], env);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain(`Note: removed a stale pid file (process ${dead} no longer runs).`);
    expect(started.stdout).toMatch(/Listener started on 127\.0\.0\.1:\d+ \(pid \d+\)/);
    expect(JSON.parse(await readFile(pidFile, 'utf8')).pid).not.toBe(dead);
    expect((await runCli(['stop'], env)).code).toBe(0);

    await writeFile(pidFile, stale);
    const stopped = await runCli(['stop', '--json'], env);
    expect(stopped.code).toBe(0);
    expect(JSON.parse(stopped.stdout)).toEqual({
      event: 'not_running',
      cleaned: `removed a stale pid file (process ${dead} no longer runs)`,
    });
    expect(existsSync(pidFile)).toBe(false);
  });

  it('a pid file naming some other live process: cleaned, and that process is never signalled', async () => {
    const other = spawn('sleep', ['30']);
    strays.push(other);
    const pid = other.pid as number;
    await writeFile(pidFile, JSON.stringify({ pid, listen: `127.0.0.1:${port}`, startedAt: 'x' }));
    const stopped = await runCli(['stop'], env);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain(`removed a stale pid file (process ${pid} is not an ma-auth listener)`);
    expect(existsSync(pidFile)).toBe(false);
    expect(alive(pid)).toBe(true);
    expect(other.exitCode).toBe(null);
  });

  it('a garbled pid file counts as stale', async () => {
    await writeFile(pidFile, 'not json');
    const stopped = await runCli(['stop'], env);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain('removed a stale pid file (the pid file is unreadable)');
  });

  it('serve --detach fails clearly, with the end of the log, when the listener cannot start', async () => {
    // Something that is not ma-auth holds the port.
    const squatter = createServer((_q, r) => r.end('hello')).listen(port, '127.0.0.1');
    await once(squatter, 'listening');
    try {
      const r = await runCli(['serve', '--detach'], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/the listener ended \(exit code 1\) before answering/);
      expect(r.stderr).toMatch(/The end of .*listener\.log:/);
      expect(r.stderr).toMatch(/address is in use/);
      expect(existsSync(pidFile)).toBe(false);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('serve --listen overrides the configured address; bad values are usage errors', async () => {
    const other = await freePort();
    const r = await runCli(['serve', '--detach', '--listen', `127.0.0.1:${other}`, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ event: 'started', address: `127.0.0.1:${other}` });
    expect(JSON.parse(await readFile(pidFile, 'utf8')).listen).toBe(`127.0.0.1:${other}`);
    expect((await runCli(['stop'], env)).code).toBe(0);

    const bad = await runCli(['serve', '--listen', 'nowhere'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--listen must be host:port/);
  });

  it('serve in the foreground logs JSON to stdout and stops gracefully on SIGTERM (exit 0)', async () => {
    const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    strays.push(child);
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 10_000;
    while (!stdout.includes('"msg":"listening"') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect((await runCli(['status', '--json'], env)).stdout).toContain('"answering":true');
    expect(existsSync(pidFile)).toBe(false); // systemd / Docker track the process themselves
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['listening', 'shutting down', 'stopped']),
    );
  });

  it('stop refuses to touch a listener it did not start (no pid file), exit 1', async () => {
    const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    strays.push(child);
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const deadline = Date.now() + 10_000;
    while (!stdout.includes('"msg":"listening"') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const r = await runCli(['stop'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not started with ma-auth serve --detach/);
    expect(child.exitCode).toBe(null);
  });

  it('link starts the listener when none answers, and says so', async () => {
    const r = await runCli(['link', '--json', '--timeout', '2'], env);
    const first = JSON.parse(r.stdout.split('\n')[0] as string);
    expect(first).toMatchObject({ event: 'listener_started', address: `127.0.0.1:${port}` });
    expect(JSON.parse(await readFile(pidFile, 'utf8')).pid).toBe(first.pid);
    expect((await runCli(['status', '--json'], env)).stdout).toContain('"answering":true');
    // Until the protocol core is wired the listener answers server_error (exit 1);
    // once it is, nobody enters the code and --timeout ends the wait (exit 6).
    expect([1, 6]).toContain(r.code);
  });
});

describe('isListenerCommand (is this pid our listener?)', () => {
  it.each([
    ['/usr/bin/node /opt/ma-auth/bin/ma-auth.js serve --listen 127.0.0.1:8787', true],
    ['/usr/bin/node --v8-pool-size=1 /opt/ma-auth/bin/ma-auth.js serve --listen 127.0.0.1:8787', true],
    ['node /Users/me/My Projects/ma-auth/bin/ma-auth.js serve', true],
    ['ma-auth serve', true],
    ['C:\\node.exe C:\\ma-auth\\bin\\ma-auth.js serve --listen 127.0.0.1:1', true],
    ['/usr/bin/node /opt/ma-auth/bin/ma-auth.js link', false],
    ['/usr/bin/node /opt/not-ma-auth.js serve', false],
    ['vim ma-auth.js', false],
    ['sleep 30', false],
  ])('%s → %s', (line, expected) => {
    expect(isListenerCommand(line)).toBe(expected);
  });
});
