import { describe, expect, it } from 'vitest';
import { InvalidRequest } from '../../src/oauth/errors.js';
import { renderConsentPage } from '../../src/server/pages/consent.js';
import { escapeHtml, html } from '../../src/server/pages/layout.js';
import { pairingCookie, readPairingCookie } from '../../src/server/pages/link.js';
import type { ConsentView } from '../../src/server/protocol.js';
import { get, post, startHarness } from './support.js';

const XSS = '<script>alert(1)</script>';

const view: ConsentView = {
  requestId: 'maa_req_pending',
  csrfToken: 'maa_csrf_token',
  client: { id: 'amazon-alexa', name: 'Alexa skill' },
  scopes: [
    { name: 'music.read', description: 'see your Music Assistant library, players and what is playing' },
    { name: 'music.control', description: 'play, pause and change music on your Music Assistant players' },
  ],
  redirectUri: 'https://pitangui.amazon.com/api/skill/link/M2AAAAAAAAAAAA',
  attemptsLeft: 5,
  expiresAt: 0,
};

/** No script, no inline style or handler may ever appear (CSP forbids them; the page must not need them). */
function expectInert(page: string) {
  expect(page).not.toMatch(/<script/i);
  expect(page).not.toMatch(/<style/i);
  // Escaped text has no raw `<`, so every tag found here is real markup.
  for (const tag of page.match(/<[a-z][^>]*>/gi) ?? []) {
    expect(tag).not.toMatch(/\sstyle=/i);
    expect(tag).not.toMatch(/\son[a-z]+=/i);
  }
}

describe('escaping', () => {
  it('escapes every interpolation unless it is already html', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\``)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;',
    );
    expect(html`<p>${XSS}${html`<b>${'&'}</b>`}</p>`.value).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt;<b>&amp;</b></p>',
    );
  });

  it('escapes a hostile client name, scope, ids and redirect host on the consent page', () => {
    const page = renderConsentPage(
      { publicUrl: 'https://ma.example.com' },
      {
        view: {
          requestId: `"><script>p</script>`,
          csrfToken: `"onmouseover="x`,
          client: { id: 'x', name: XSS },
          scopes: [{ name: 'x', description: `"><img src=x onerror=alert(1)>` }],
          redirectUri: 'https://evil.example/cb',
          attemptsLeft: 5,
          expiresAt: 0,
        },
        userCode: `"><script>c</script>`,
        error: XSS,
      },
    ).html;
    expectInert(page);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('consent page', () => {
  it('is accessible, mobile-friendly and script-free', async () => {
    const h = await startHarness({ protocol: { authorize: async () => view } });
    const res = await get(`${h.url}/alexa/authorize?client_id=amazon-alexa&state=abc`);
    const page = res.text;
    expectInert(page);
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page).toMatch(/<link rel="stylesheet" href="\/static\/ma-auth\.css\?v=[0-9a-f]{12}">/);
    expect(page).toContain('Link Alexa skill to your Music Assistant');
    expect(page).toContain('see your Music Assistant library, players and what is playing');
    expect(page).toContain('play, pause and change music on your Music Assistant players');
    expect(page).toContain('<form method="post" action="/alexa/approve">');
    expect(page).toContain('<label for="user_code">Pairing code</label>');
    expect(page).toMatch(/<input type="text" id="user_code" name="user_code" value=""/);
    expect(page).toContain('autocomplete="one-time-code"');
    expect(page).toContain('inputmode="text"');
    expect(page).toContain('autocapitalize="characters"');
    expect(page).toContain('<input type="hidden" name="request_id" value="maa_req_pending">');
    expect(page).toContain('<input type="hidden" name="csrf" value="maa_csrf_token">');
    expect(page).toContain('name="action" value="approve">Approve</button>');
    expect(page).toContain('name="action" value="deny" formnovalidate>Deny</button>');
    expect(page).toContain('you go back to pitangui.amazon.com');
    expect(page).not.toContain('abc'); // the state never reaches the page
  });

  it('shows a wrong code on the page with the tries left, keeping what was typed', async () => {
    const h = await startHarness({
      protocol: {
        decideConsent: async () => ({
          kind: 'retry',
          problem: 'wrong_code',
          view: { ...view, attemptsLeft: 3 },
        }),
      },
    });
    const res = await post(
      `${h.url}/alexa/approve`,
      `request_id=p&csrf=c&action=approve&user_code=${encodeURIComponent('"><b>x')}`,
    );
    expect(res.status).toBe(200);
    expectInert(res.text);
    expect(res.text).toContain(
      '<p class="error" id="code-error" role="alert">That code is not right. 3 tries left.</p>',
    );
    expect(res.text).toContain('aria-invalid="true"');
    expect(res.text).toContain('value="&quot;&gt;&lt;b&gt;x"');
  });

  it('explains a malformed or missing code without spending a try', async () => {
    const h = await startHarness({
      protocol: { decideConsent: async () => ({ kind: 'retry', problem: 'malformed_code', view }) },
    });
    const typo = await post(
      `${h.url}/alexa/approve`,
      'request_id=p&csrf=c&action=approve&user_code=WDJB-MJH',
    );
    expect(typo.text).toContain('A pairing code is 8 letters, like WDJB-MJHT.');
    const empty = await post(`${h.url}/alexa/approve`, 'request_id=p&csrf=c&action=approve');
    expect(empty.text).toContain('Enter the pairing code that ma-auth link shows.');
  });

  it('refuses an incomplete consent form as an error page', async () => {
    const h = await startHarness();
    const res = await post(`${h.url}/alexa/approve`, 'action=approve&user_code=WDJB-MJHT');
    expect(res.status).toBe(400);
    expect(res.text).toContain('the consent form is incomplete');
  });
});

describe('link page and pairing cookie', () => {
  it('shows the code, sets a short-lived cookie, and the consent page is pre-filled from it', async () => {
    const h = await startHarness({ protocol: { authorize: async () => view } });
    const link = await get(`${h.url}/link?code=wdjb-mjht`);
    expect(link.status).toBe(200);
    expectInert(link.text);
    expect(link.text).toContain('<p class="code" aria-label="Pairing code W D J B - M J H T">WDJB-MJHT</p>');
    expect(link.text).toContain('Link account');
    const cookie = String(link.headers['set-cookie']);
    expect(cookie).toBe(
      '__Host-ma_auth_pairing=WDJBMJHT; Max-Age=600; Path=/; HttpOnly; SameSite=Lax; Secure',
    );
    const pair = cookie.split(';')[0] as string;
    const page = await get(`${h.url}/alexa/authorize?client_id=amazon-alexa`, { cookie: `other=1; ${pair}` });
    expect(page.text).toContain('name="user_code" value="WDJB-MJHT"');
  });

  it('drops Secure and the __Host- prefix for an http public URL, and follows a path prefix', () => {
    expect(pairingCookie('WDJB-MJHT', { secure: false, basePath: '' })).toBe(
      'ma_auth_pairing=WDJBMJHT; Max-Age=600; Path=/; HttpOnly; SameSite=Lax',
    );
    expect(pairingCookie('WDJB-MJHT', { secure: true, basePath: '/ma-auth' })).toBe(
      'ma_auth_pairing=WDJBMJHT; Max-Age=600; Path=/ma-auth; HttpOnly; SameSite=Lax; Secure',
    );
  });

  it('ignores a malformed cookie', () => {
    expect(readPairingCookie('ma_auth_pairing=<script>')).toBeNull();
    expect(readPairingCookie('ma_auth_pairing=WDJBMJHT')).toBe('WDJB-MJHT');
  });

  it('never echoes a hostile or malformed code', async () => {
    const h = await startHarness();
    const res = await get(`${h.url}/link?user_code=${encodeURIComponent(XSS)}`);
    expect(res.status).toBe(200);
    expectInert(res.text);
    expect(res.text).toContain('No pairing code here');
    expect(res.text).not.toContain('alert');
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('error page', () => {
  it('explains in plain words and escapes the description', async () => {
    const h = await startHarness({
      protocol: {
        authorize: async () => {
          throw new InvalidRequest(`redirect_uri ${XSS} is not registered`);
        },
      },
    });
    const res = await get(`${h.url}/alexa/authorize?client_id=x`);
    expect(res.status).toBe(400);
    expectInert(res.text);
    expect(res.text).toContain('This linking request is not valid');
    expect(res.text).toContain('redirect_uri &lt;script&gt;alert(1)&lt;/script&gt; is not registered');
    expect(res.text).toContain('Start linking again from the Alexa app');
  });

  it('tells how long to wait when rate limited', async () => {
    const h = await startHarness({ rateLimits: { 'authorize:address': { limit: 1, windowSeconds: 120 } } });
    await get(`${h.url}/alexa/authorize?client_id=x`);
    const res = await get(`${h.url}/alexa/authorize?client_id=x`);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('120');
    expect(res.text).toContain('Wait 2 minutes, then try again.');
  });

  it('shows no details of a server error', async () => {
    const h = await startHarness({
      protocol: {
        authorize: async () => {
          throw new Error('SQLITE_BUSY at /var/lib/secret');
        },
      },
    });
    const res = await get(`${h.url}/alexa/authorize?client_id=x`);
    expect(res.status).toBe(500);
    expect(res.text).toContain('Something went wrong');
    expect(res.text).not.toContain('SQLITE');
  });
});
