/**
 * The /link and consent pages in a real phone-sized Chromium against a real
 * listener, with a real pairing from `ma-auth link`: what the owner and the
 * Alexa app's in-app browser actually get. Alexa's side of the redirect is
 * intercepted (the network is closed). Screenshots go to test-artifacts/browser/.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizeUrl,
  CONSENT,
  captureRedirects,
  launchBrowser,
  openPhone,
  type PhonePage,
  screenshot,
  scrollsSideways,
  seriousAxeViolations,
  tab,
} from '../support/browser.js';
import {
  ALEXA_REDIRECT,
  createTestInstall,
  type Install,
  type Listener,
  startListener,
} from '../support/install.js';
import { type LinkChild, startLink } from '../support/link-child.js';

/** The page headers DESIGN.md "Security requirements" asks for, as the browser received them. */
async function expectPageHeaders(res: Response | null, formAction: string): Promise<void> {
  expect(res, 'no response').not.toBeNull();
  const h = await (res as Response).allHeaders();
  const csp = new Map(
    (h['content-security-policy'] ?? '').split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values.join(' ')] as const;
    }),
  );
  expect(csp.get('default-src')).toBe("'none'");
  expect(csp.get('style-src')).toBe("'self'");
  expect(csp.has('script-src')).toBe(false); // no script at all: default-src 'none' governs
  expect(h['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval|nonce-|\*/);
  expect(csp.get('form-action')).toBe(formAction);
  expect(csp.get('frame-ancestors')).toBe("'none'");
  expect(csp.get('base-uri')).toBe("'none'");
  expect(h['referrer-policy']).toBe('no-referrer');
  expect(h['x-frame-options']).toBe('DENY');
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['cache-control']).toBe('no-store');
  expect(h['content-type']).toBe('text/html; charset=utf-8');
  // http public URL (a loopback test install): HSTS would be meaningless, and is absent.
  expect(h['strict-transport-security']).toBeUndefined();
}

/** Where Alexa's redirect URI lives (intercepted: the network is closed). */
const ALEXA_PATTERN = `${new URL(ALEXA_REDIRECT).origin}/**`;

const cspMessages = (p: PhonePage) =>
  p.watch.console.filter((m) => /Content Security Policy/i.test(m.text)).map((m) => m.text);

describe('the link and consent pages in a real phone-sized Chromium', () => {
  let install: Install;
  let listener: Listener;
  let browser: Browser;
  const opened: PhonePage[] = [];
  let link: LinkChild | undefined;

  beforeAll(async () => {
    browser = await launchBrowser();
    install = await createTestInstall();
    listener = await startListener(install);
  });
  afterEach(async () => {
    link?.kill();
    link = undefined;
    for (const p of opened.splice(0)) await p.context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await listener?.stop();
  });

  const phone = async () => {
    const p = await openPhone(browser, install.baseUrl);
    opened.push(p);
    return p;
  };
  const newState = () => `st_${randomBytes(12).toString('base64url')}`;

  it('QR page shows the code; the consent page in the same browser is pre-filled; Approve sends code and state to Alexa; link reports amazon-alexa', async () => {
    link = startLink(install.env);
    const pairing = await link.next('pairing');
    const userCode = pairing.user_code as string;
    expect(userCode).toMatch(/^[B-DF-HJ-NP-TV-Z]{4}-[B-DF-HJ-NP-TV-Z]{4}$/);

    const p = await phone();
    const { page, context } = p;

    // 1. The page the QR code opens.
    const linkRes = await page.goto(pairing.verification_uri_complete as string);
    expect(linkRes?.status()).toBe(200);
    await expectPageHeaders(linkRes, "'none'");
    expect(await page.locator('h1').textContent()).toBe('Your pairing code');
    expect(await page.locator('p.code').textContent()).toBe(userCode);
    const remembered = (await context.cookies()).find((c) => c.name === 'ma_auth_pairing');
    expect(remembered).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await scrollsSideways(page)).toBe(false);
    await screenshot(page, 'link');
    expect(await seriousAxeViolations(page, 'link page')).toEqual([]);

    // 2. The Alexa app opens the authorization URL in the same browser.
    const alexa = await captureRedirects(page, ALEXA_PATTERN);
    const state = newState();
    const consentRes = await page.goto(
      authorizeUrl({
        baseUrl: install.baseUrl,
        clientId: install.alexa.clientId,
        redirectUri: install.alexa.redirectUri,
        state,
      }),
    );
    expect(consentRes?.status()).toBe(200);
    await expectPageHeaders(consentRes, "'self' https://pitangui.amazon.com");
    expect(await page.locator('h1').textContent()).toMatch(/^Link .+ to your Music Assistant$/);
    expect(await page.inputValue(CONSENT.codeField)).toBe(userCode); // pre-filled from the /link cookie
    expect(await scrollsSideways(page)).toBe(false);
    await screenshot(page, 'consent');
    expect(await seriousAxeViolations(page, 'consent page')).toEqual([]);

    // Keyboard: the code field, then Approve, then Deny, each with a visible focus ring.
    const order = [await tab(page), await tab(page), await tab(page)];
    expect(order.map((f) => f.selector)).toEqual([
      '#user_code',
      'button[action=approve]',
      'button[action=deny]',
    ]);
    for (const f of order) {
      expect(f.focusVisible, f.selector).toBe(true);
      expect(f.outline, f.selector).toMatch(/^solid [1-9]/);
    }

    // 3. Approve: the browser goes back to Alexa with the code and the state, unchanged.
    await page.locator(CONSENT.approve).click();
    const back = await alexa.next();
    expect(`${back.origin}${back.pathname}`).toBe(install.alexa.redirectUri);
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('code')).toMatch(/^\S{20,}$/);
    expect(back.searchParams.has('error')).toBe(false);
    // The remembered code is forgotten once used.
    expect((await context.cookies()).find((c) => c.name === 'ma_auth_pairing')).toBeUndefined();

    // 4. `ma-auth link` learns what was linked and ends with success.
    const linked = await link.next('linked', 20_000);
    expect(linked).toMatchObject({
      event: 'linked',
      linked_client_id: 'amazon-alexa',
      scope: 'music.read music.control',
    });
    expect(await link.exit()).toBe(0);
    expect(link.events.at(-1)).toBe(linked);

    expect(p.watch.dialogs).toEqual([]);
    expect(p.watch.pageErrors).toEqual([]);
    expect(cspMessages(p)).toEqual([]);
    expect(p.watch.problems()).toEqual([]);
    expect(p.watch.offsite).toEqual([]);
  });

  it('a wrong code is shown on the page (no dialog), the request stays usable, and Deny sends access_denied with state', async () => {
    const p = await phone();
    const { page } = p;
    const alexa = await captureRedirects(page, ALEXA_PATTERN);
    const state = newState();
    await page.goto(
      authorizeUrl({
        baseUrl: install.baseUrl,
        clientId: install.alexa.clientId,
        redirectUri: install.alexa.redirectUri,
        state,
      }),
    );
    expect(await page.inputValue(CONSENT.codeField)).toBe(''); // a fresh browser: nothing remembered

    await page.locator(CONSENT.codeField).fill('BCDF-GHJK');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/alexa/approve')),
      page.locator(CONSENT.approve).click(),
    ]);
    await page.waitForLoadState('load');
    expect(answer.status()).toBe(200); // not 4xx: in-app browsers may hide an error status's body
    await expectPageHeaders(answer, "'self' https://pitangui.amazon.com");
    expect(await page.locator(CONSENT.error).textContent()).toBe('That code is not right. 4 tries left.');
    const field = page.locator(CONSENT.codeField);
    expect(await field.inputValue()).toBe('BCDF-GHJK'); // kept, to correct
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await field.getAttribute('aria-describedby')).toContain('code-error');
    expect(p.watch.dialogs).toEqual([]); // Alexa: no pop-ups or JavaScript alerts
    expect(alexa.urls).toEqual([]);
    expect(await scrollsSideways(page)).toBe(false);
    await screenshot(page, 'consent-error');
    expect(await seriousAxeViolations(page, 'consent page with an error')).toEqual([]);

    await page.locator(CONSENT.deny).click();
    const back = await alexa.next();
    expect(`${back.origin}${back.pathname}`).toBe(install.alexa.redirectUri);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.has('code')).toBe(false);

    expect(p.watch.dialogs).toEqual([]);
    expect(p.watch.pageErrors).toEqual([]);
    expect(cspMessages(p)).toEqual([]);
    expect(p.watch.problems()).toEqual([]);
    expect(p.watch.offsite).toEqual([]);
  });

  it('an unregistered redirect_uri gets an error page, and the browser stays on the listener', async () => {
    const p = await phone();
    const { page } = p;
    const evil = await captureRedirects(page, 'https://evil.example/**');
    const url = authorizeUrl({
      baseUrl: install.baseUrl,
      clientId: install.alexa.clientId,
      redirectUri: 'https://evil.example/cb',
      state: newState(),
    });
    const res = await page.goto(url);
    expect(res?.status()).toBe(400);
    await expectPageHeaders(res, "'none'");
    await page.waitForLoadState('networkidle');
    expect(page.url()).toBe(url);
    expect(await page.locator('h1').textContent()).toBe('This app is not set up for linking');
    expect(await page.locator('main').textContent()).toContain('redirect_uri is not one registered');
    expect(await page.locator('a[href], form').count()).toBe(0); // nothing on the page leads to the unverified URI
    expect(evil.urls).toEqual([]);
    expect(await scrollsSideways(page)).toBe(false);
    await screenshot(page, 'error');
    expect(await seriousAxeViolations(page, 'error page')).toEqual([]);

    expect(p.watch.dialogs).toEqual([]);
    expect(p.watch.pageErrors).toEqual([]);
    expect(cspMessages(p)).toEqual([]);
    // The only console error is Chromium reporting the document's own 400.
    expect(p.watch.problems()).toEqual([
      `Failed to load resource: the server responded with a status of 400 (Bad Request) (${url})`,
    ]);
    expect(p.watch.offsite).toEqual([]);
  });

  it('the browser enforces the CSP: an injected inline script does not run, and the console says so', async () => {
    // The control for the "no CSP messages" checks above: they would see a violation.
    const p = await phone();
    const { page } = p;
    await page.goto(`${install.baseUrl}/link?code=BCDF-GHJK`);
    await page.evaluate(
      `(() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true'; document.body.append(s); })()`,
    );
    expect(await page.evaluate('window.__ran === true')).toBe(false);
    expect(cspMessages(p)).toEqual([expect.stringContaining("default-src 'none'")]);
  });
});
