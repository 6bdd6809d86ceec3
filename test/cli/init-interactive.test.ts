import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv } from '../support/cli.js';
import { BIN } from '../support/paths.js';
import { openTerminal, type Terminal } from '../support/tmux.js';

describe('ma-auth init in a real terminal (tmux)', () => {
  let term: Terminal | undefined;
  afterEach(async () => {
    await term?.close();
  });

  async function start() {
    const tmp = await mkdtemp(join(tmpdir(), 'ma-auth-tty-'));
    const home = join(tmp, 'home');
    term = await openTerminal(
      [process.execPath, BIN, 'init'],
      cleanEnv({ MA_AUTH_HOME: home, HOME: tmp, TERM: 'xterm-256color' }),
    );
    return { home, term };
  }

  it('the wizard validates answers as typed and sets up', async () => {
    const { home, term } = await start();
    await term.waitFor('Public https URL');
    await term.type('http://insecure.example');
    await term.press('Enter');
    await term.waitFor('must use https');
    // The rejected answer stays on the line (as it should): erase it and retype.
    for (let i = 0; i < 30; i++) await term.press('BSpace');
    await term.type('https://ma.example.test');
    await term.press('Enter');
    await term.waitFor('Client ID for the Alexa skill');
    await term.press('Enter'); // default amazon-alexa
    await term.waitFor('Alexa Redirect URLs');
    await term.type(
      'https://pitangui.amazon.com/api/skill/link/M2ABCDEFGH https://layla.amazon.com/api/skill/link/M2ABCDEFGH',
    );
    await term.press('Enter');
    await term.waitFor('Where should the data key live?');
    await term.press('Down'); // keychain → key file
    await term.press('Enter');
    const screen = await term.waitFor('Your Secret');
    expect(await term.exitCode()).toBe(0);
    expect(screen).toContain('https://ma.example.test/alexa/authorize');
    const config = JSON.parse(await readFile(join(home, 'config', 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      publicUrl: 'https://ma.example.test',
      keyStore: 'file',
      alexaClientId: 'amazon-alexa',
    });
    expect(existsSync(join(home, 'config', 'data.key'))).toBe(true);
  });

  it('Ctrl-C in the middle of the wizard leaves nothing behind (exit 130)', async () => {
    const { home, term } = await start();
    await term.waitFor('Public https URL');
    await term.type('https://ma.example.test');
    await term.press('Enter');
    await term.waitFor('Client ID for the Alexa skill');
    await term.press('C-c');
    expect(await term.exitCode()).toBe(130);
    expect(existsSync(home)).toBe(false);
  });
});
