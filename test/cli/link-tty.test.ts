/** `ma-auth link` in a real terminal (tmux) against the RFC 8628 peer stub. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/cli.js';
import { BIN } from '../support/paths.js';
import { openTerminal, type Terminal } from '../support/tmux.js';
import { DEVICE_CODE, LINKED, type Stub, startStub } from './link-stub.js';

describe('ma-auth link in a real terminal (tmux)', () => {
  let term: Terminal | undefined;
  let stub: Stub | undefined;
  afterEach(async () => {
    await term?.close();
    await stub?.close();
  });

  async function start(configure: (s: Stub) => void = () => {}) {
    stub = await startStub();
    configure(stub);
    const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-link-tty-'));
    const home = join(tmp, 'home');
    const env = cleanEnv({ MA_AUTH_HOME: home, HOME: tmp, TERM: 'xterm-256color' });
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
        `127.0.0.1:${stub.port}`,
      ],
      env,
    );
    expect(init.code, init.stderr).toBe(0);
    term = await openTerminal([process.execPath, BIN, 'link'], env, 100, 50);
    return { term, stub };
  }

  const countdownOf = (screen: string) => /(\d+:\d\d) left \(Ctrl-C cancels\)/.exec(screen)?.[1];

  it('shows the code large and as text, a QR, a moving countdown; linked → exit 0', async () => {
    const { term, stub } = await start();
    const first = await term.waitFor(/\d+:\d\d left/);
    expect(first).toContain('W D J B - M J H T'); // framed, large
    expect(first).toContain('Pairing code: WDJB-MJHT'); // plain, to copy
    expect(first).toMatch(/[▀▄█]{20,}/); // the QR
    expect(first).toContain('https://ma.example.test/link?code=WDJB-MJHT');
    expect(first).toContain('your skill → Link account → enter the code');
    const before = countdownOf(first);
    await new Promise((r) => setTimeout(r, 1600));
    const later = countdownOf(await term.screen());
    expect(before).toBeDefined();
    expect(later).toBeDefined();
    expect(later).not.toBe(before);
    // One countdown line, rewritten in place (not a new line per tick).
    expect((await term.screen()).match(/left \(Ctrl-C cancels\)/g)).toHaveLength(1);

    stub.tokens.push(LINKED);
    const done = await term.waitFor('Linked amazon-alexa');
    expect(await term.exitCode()).toBe(0);
    expect(done).not.toContain('left (Ctrl-C cancels)'); // the countdown line was cleared
    expect(done).not.toContain(DEVICE_CODE);
  });

  it('the code expiring while waiting → exit 6', async () => {
    const { term } = await start((s) => {
      s.pairing = { ...s.pairing, expires_in: 3 };
    });
    await term.waitFor(/0:0\d left/);
    expect(await term.exitCode(10_000)).toBe(6);
    expect(await term.screen()).toMatch(/no code was entered within 3 s/);
  });

  it('Ctrl-C cancels the pairing on the listener → exit 130', async () => {
    const { term, stub } = await start();
    await term.waitFor(/\d+:\d\d left/);
    await stub.waitFor('/alexa/token');
    await term.press('C-c');
    expect(await term.exitCode()).toBe(130);
    expect(stub.byPath('/oauth/revoke')[0]?.form.token).toBe(DEVICE_CODE);
    expect(await term.screen()).toMatch(/cancelled; the pairing code no longer works/);
  });
});

describe('ma-auth link on a terminal without a set-up', () => {
  let term: Terminal | undefined;
  afterEach(async () => {
    await term?.close();
  });

  it('runs the init wizard first (Ctrl-C there → 130, nothing created)', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-link-tty-'));
    const env = cleanEnv({ MA_AUTH_HOME: join(tmp, 'home'), HOME: tmp, TERM: 'xterm-256color' });
    term = await openTerminal([process.execPath, BIN, 'link'], env);
    const screen = await term.waitFor('Public https URL');
    expect(screen).toContain('ma-auth is not set up here yet: set-up comes first.');
    await term.press('C-c');
    expect(await term.exitCode()).toBe(130);
  });
});
