/**
 * `ma-auth link` in a real terminal (tmux) against the real listener: the
 * code and the QR on screen, a countdown that moves, approval on the consent
 * page (plain HTTP, as a browser's form post) ending it with success; and
 * `--timeout` ending it with exit 6 and the code cancelled on the listener.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ALEXA_REDIRECT,
  createTestInstall,
  type Install,
  type Listener,
  startListener,
} from '../support/install.js';
import { BIN } from '../support/paths.js';
import { openTerminal, type Terminal } from '../support/tmux.js';

/** The consent form's hidden fields, read from the page as a browser would post them. */
function hiddenField(html: string, name: string): string {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  if (!m?.[1]) throw new Error(`no hidden ${name} on the consent page:\n${html}`);
  return m[1];
}

/** The Alexa app's half: open the consent page, post the code with Approve; the answer as received. */
async function approveOnConsentPage(install: Install, userCode: string, state: string): Promise<Response> {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: install.alexa.clientId,
    redirect_uri: ALEXA_REDIRECT,
    state,
    scope: 'music.read music.control',
  });
  const page = await fetch(`${install.baseUrl}/alexa/authorize?${query}`);
  expect(page.status).toBe(200);
  const html = await page.text();
  return fetch(`${install.baseUrl}/alexa/approve`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      request_id: hiddenField(html, 'request_id'),
      csrf: hiddenField(html, 'csrf'),
      user_code: userCode,
      action: 'approve',
    }),
  });
}

const codeOn = (screen: string) =>
  /Pairing code: ([B-DF-HJ-NP-TV-Z]{4}-[B-DF-HJ-NP-TV-Z]{4})/.exec(screen)?.[1];
const countdownOn = (screen: string) => /(\d+:\d\d) left/.exec(screen)?.[1];

describe('ma-auth link in a real terminal against the real listener', () => {
  let install: Install;
  let listener: Listener;
  let term: Terminal | undefined;

  beforeAll(async () => {
    install = await createTestInstall();
    listener = await startListener(install);
  });
  afterEach(async () => {
    await term?.close();
    term = undefined;
  });
  afterAll(async () => {
    await listener?.stop();
  });

  const env = () => ({ ...install.env, TERM: 'xterm-256color' });

  it('shows the code and a QR, counts down, and ends with success once the code is approved', async () => {
    term = await openTerminal([process.execPath, BIN, 'link'], env(), 100, 60);
    const first = await term.waitFor(/\d+:\d\d left/);
    const userCode = codeOn(first);
    expect(userCode, first).toBeDefined();
    expect(first).toContain([...(userCode as string)].join(' ')); // framed, large
    expect(first).toMatch(/[▀▄█]{10,}/); // the QR
    expect(first).toContain(`${install.baseUrl}/link?code=${userCode}`);
    expect(first).toContain('your skill → Link account → enter the code');
    expect(first).not.toContain('started one in the background'); // the listener was already running

    const before = countdownOn(first);
    await new Promise((r) => setTimeout(r, 1500));
    const after = countdownOn(await term.screen());
    expect(before).toBeDefined();
    expect(after).toBeDefined();
    expect(after).not.toBe(before);

    const answer = await approveOnConsentPage(install, userCode as string, 'tty-state');
    expect(answer.status).toBe(303);
    const back = new URL(answer.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).toBe(ALEXA_REDIRECT);
    expect(back.searchParams.get('state')).toBe('tty-state');
    expect(back.searchParams.get('code')).toBeTruthy();

    const done = await term.waitFor(/Linked amazon-alexa/, 20_000);
    expect(done).toMatch(/Linked amazon-alexa \(scopes music\.read, music\.control\)/);
    expect(await term.exitCode()).toBe(0);
    expect(await term.screen()).not.toMatch(/left \(Ctrl-C cancels\)/); // the countdown line was cleared
  });

  it('--timeout ends it with exit 6, and the code no longer works on the listener', async () => {
    term = await openTerminal([process.execPath, BIN, 'link', '--timeout', '2'], env(), 100, 60);
    const first = await term.waitFor(/\d+:\d\d left/);
    const userCode = codeOn(first);
    expect(userCode, first).toBeDefined();
    expect(first).toMatch(/0:0[0-2] left/);
    expect(await term.exitCode(10_000)).toBe(6);
    expect(await term.screen()).toMatch(/no code was entered within 2 s; the pairing was cancelled/);

    // Cancelled on the listener: entering it now is just a wrong code.
    const answer = await approveOnConsentPage(install, userCode as string, 'late');
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('That code is not right.');
  });
});
