import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { AuthorizationPageError, AuthorizationRedirectError } from '../../src/oauth/authorize-errors.js';
import { InvalidClient, InvalidGrant, InvalidScope } from '../../src/oauth/errors.js';
import { createListener } from '../../src/server/listener.js';
import type { ConsentView } from '../../src/server/protocol.js';
import { get, post, startHarness } from './support.js';

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

describe('request bodies', () => {
  it('refuses a body over 16 KiB with 413', async () => {
    const h = await startHarness();
    const res = await post(`${h.url}/alexa/token`, `grant_type=x&pad=${'a'.repeat(17 * 1024)}`);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses a streamed body without Content-Length once it crosses the limit', async () => {
    const h = await startHarness();
    async function* chunks() {
      for (let i = 0; i < 40; i++) yield Buffer.from(`a${i}=${'x'.repeat(1024)}&`);
    }
    const res = await request(`${h.url}/alexa/token`, {
      method: 'POST',
      body: Readable.from(chunks()),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(413);
    await res.body.text();
  });

  it('refuses duplicate parameters with 400 invalid_request (RFC 6749 §3.1)', async () => {
    const h = await startHarness({ protocol: { token: async () => ({}) } });
    const res = await post(`${h.url}/alexa/token`, 'grant_type=refresh_token&grant_type=authorization_code');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({
      error: 'invalid_request',
      error_description: 'parameter "grant_type" is included more than once',
    });
  });

  it('refuses duplicate query parameters on /alexa/authorize, as a page', async () => {
    const h = await startHarness();
    const res = await get(`${h.url}/alexa/authorize?client_id=a&state=1&state=2`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('included more than once');
  });

  it('refuses a body that is not application/x-www-form-urlencoded', async () => {
    const h = await startHarness();
    const res = await post(`${h.url}/alexa/token`, '{"grant_type":"x"}', {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toBe('invalid_request');
  });

  it('accepts a charset parameter on the form content type', async () => {
    const h = await startHarness({ protocol: { token: async () => ({ ok: 1 }) } });
    const res = await post(`${h.url}/alexa/token`, 'grant_type=x', {
      'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
    });
    expect(res.status).toBe(200);
  });
});

describe('routing', () => {
  it('answers 404 for an unknown path (JSON for programs, a page for browsers)', async () => {
    const h = await startHarness();
    const json = await get(`${h.url}/nope`);
    expect(json.status).toBe(404);
    expect(JSON.parse(json.text).error).toBe('not_found');
    const page = await get(`${h.url}/nope`, { accept: 'text/html' });
    expect(page.status).toBe(404);
    expect(page.text).toContain('Page not found');
  });

  it('answers 405 with Allow for a known path and the wrong method', async () => {
    const h = await startHarness();
    const token = await get(`${h.url}/alexa/token`);
    expect(token.status).toBe(405);
    expect(token.headers.allow).toBe('POST');
    const health = await post(`${h.url}/health`, '');
    expect(health.status).toBe(405);
    expect(health.headers.allow).toBe('GET, HEAD');
  });

  it('answers HEAD where GET is answered, without a body', async () => {
    const h = await startHarness();
    const res = await get(`${h.url}/health`, {}, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });

  it('answers HEAD on the consent route as GET, without a body, asking the core for a preview only', async () => {
    const asked: unknown[] = [];
    const h = await startHarness({
      protocol: {
        authorize: async (_params, _meta, options) => {
          asked.push(options);
          return view;
        },
      },
    });
    const head = await get(`${h.url}/alexa/authorize?client_id=amazon-alexa`, {}, 'HEAD');
    const page = await get(`${h.url}/alexa/authorize?client_id=amazon-alexa`);
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers['content-type']).toBe(page.headers['content-type']);
    expect(page.text).toContain(view.requestId);
    expect(asked).toEqual([{ preview: true }, { preview: false }]);
  });

  it('serves /health for the CLI probe', async () => {
    const h = await startHarness();
    const res = await get(`${h.url}/health`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ status: 'ok', service: 'ma-auth', version: '9.9.9-test' });
  });

  it('routes under the public URL path prefix, with or without the prefix', async () => {
    const h = await startHarness({ config: { publicUrl: 'https://home.example/ma-auth' } });
    expect((await get(`${h.url}/ma-auth/health`)).status).toBe(200);
    expect((await get(`${h.url}/health`)).status).toBe(200);
  });

  it('serves the stylesheet with a long cache and the CSS type, and 304 on revalidation', async () => {
    const h = await startHarness();
    const res = await get(`${h.url}/static/ma-auth.css?v=x`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(res.headers['cache-control']).toContain('max-age=31536000');
    const again = await get(`${h.url}/static/ma-auth.css`, { 'if-none-match': String(res.headers.etag) });
    expect(again.status).toBe(304);
  });
});

describe('responses', () => {
  it('sends token responses with no-store and no-cache', async () => {
    const h = await startHarness({
      protocol: {
        token: async () => ({ access_token: 'maa_at_x', token_type: 'Bearer', expires_in: 3600 }),
      },
    });
    const res = await post(`${h.url}/alexa/token`, 'grant_type=refresh_token&refresh_token=maa_rt_x');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.text)).toEqual({
      access_token: 'maa_at_x',
      token_type: 'Bearer',
      expires_in: 3600,
    });
  });

  it('renders an OAuthError per RFC 6749 §5.2 with its status and headers', async () => {
    const h = await startHarness({
      protocol: {
        token: async () => {
          throw new InvalidClient('client authentication failed', true);
        },
      },
    });
    const res = await post(`${h.url}/oauth/token`, 'grant_type=x', { authorization: 'Basic YTpi' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Basic');
    expect(JSON.parse(res.text)).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
  });

  it('hides unexpected errors behind 500 server_error and logs the details', async () => {
    const h = await startHarness({
      protocol: {
        token: async () => {
          throw new Error('database file is locked at /secret/path');
        },
      },
    });
    const res = await post(`${h.url}/alexa/token`, 'grant_type=x');
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text)).toEqual({
      error: 'server_error',
      error_description: 'internal server error',
    });
    expect(res.text).not.toContain('locked');
    expect(h.lines.join('')).toContain('database file is locked');
  });

  it('renders errors on page routes as the error page', async () => {
    const h = await startHarness({
      protocol: {
        authorize: async () => {
          throw new InvalidGrant('unknown client');
        },
      },
    });
    const res = await get(`${h.url}/alexa/authorize?client_id=x`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('unknown client');
  });

  it('redirects an AuthorizationRedirectError to the verified redirect URI with state', async () => {
    const h = await startHarness({
      protocol: {
        authorize: async () => {
          throw new AuthorizationRedirectError(new InvalidScope('bad scope'), view.redirectUri, 'st&te');
        },
      },
    });
    const res = await get(`${h.url}/alexa/authorize?client_id=amazon-alexa&scope=nope&state=st%26te`);
    expect(res.status).toBe(302);
    const location = new URL(String(res.headers.location));
    expect(location.origin + location.pathname).toBe(view.redirectUri);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(location.searchParams.get('state')).toBe('st&te');
  });

  it('shows an AuthorizationPageError as a page with its status, never redirecting', async () => {
    const h = await startHarness({
      protocol: {
        decideConsent: async () => {
          throw new AuthorizationPageError(
            'csrf_mismatch',
            'The form could not be verified. Reload and try again.',
            403,
          );
        },
      },
    });
    const res = await post(`${h.url}/alexa/approve`, 'request_id=p&csrf=c&action=approve&user_code=x');
    expect(res.status).toBe(403);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('The form could not be verified');
  });

  it('answers 503 when a handler misses its deadline', async () => {
    const h = await startHarness({
      listener: { handlerTimeoutMs: 50 },
      protocol: { token: () => new Promise(() => {}) },
    });
    const res = await post(`${h.url}/alexa/token`, 'grant_type=x');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text).error).toBe('temporarily_unavailable');
  });

  it('redirects after the consent POST with 303', async () => {
    const h = await startHarness({
      protocol: {
        decideConsent: async () => ({ kind: 'redirect', location: `${view.redirectUri}?code=c&state=s` }),
      },
    });
    const res = await post(
      `${h.url}/alexa/approve`,
      'request_id=p&csrf=c&user_code=WDJB-MJHT&action=approve',
    );
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${view.redirectUri}?code=c&state=s`);
    expect(String(res.headers['set-cookie'])).toContain('Max-Age=0');
  });

  it('logs one access line per request with the path but not the query', async () => {
    const h = await startHarness();
    await get(`${h.url}/health?secret=1`);
    const access = h.logs().filter((r) => r.msg === 'request');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ method: 'GET', route: '/health', status: 200, address: '127.0.0.1' });
    expect(typeof access[0]?.durationMs).toBe('number');
    expect(h.lines.join('')).not.toContain('secret=1');
  });
});

describe('security headers', () => {
  const pageProtocol = { authorize: async () => view };

  it('puts a strict CSP and friends on pages', async () => {
    const h = await startHarness({ protocol: pageProtocol });
    const res = await get(`${h.url}/alexa/authorize?client_id=amazon-alexa`);
    expect(res.status).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("style-src 'self'");
    // Chromium checks form-action on the redirect after the POST.
    expect(csp).toContain("form-action 'self' https://pitangui.amazon.com");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('sends no HSTS when the public URL is http', async () => {
    const h = await startHarness({
      config: { publicUrl: 'http://localhost:8787', insecureHttp: true },
      protocol: pageProtocol,
    });
    const res = await get(`${h.url}/alexa/authorize?client_id=amazon-alexa`);
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['content-security-policy']).toBeDefined();
  });

  it('puts the error page and the link page under a CSP with no form target', async () => {
    const h = await startHarness();
    for (const path of ['/link?user_code=WDJB-MJHT', '/alexa/authorize?x=1&x=2']) {
      const res = await get(`${h.url}${path}`);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("form-action 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
  });
});

describe('accepting connections', () => {
  /** The port's listening sockets, as `ss` sees them: [accept queue, backlog] each. */
  const listening = (port: string) =>
    execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(/\s+/).slice(1, 3).map(Number));

  it('lets the kernel queue thousands of connections, not the 511 Node asks for (a burst past that waits a second per SYN retry)', async () => {
    const h = await startHarness();
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    for (const [, backlog] of listening(new URL(h.url).port)) {
      expect(backlog).toBe(Math.min(4096, somaxconn));
      expect(backlog).toBeGreaterThan(511);
    }
  });

  it('accepts on four sockets sharing the port (libuv accepts one per socket per turn of the loop), all closed by close()', async () => {
    const h = await startHarness();
    const port = new URL(h.url).port;
    expect(listening(port)).toHaveLength(4);
    const res = await get(`${h.url}/health`);
    expect(res.status).toBe(200);
    await h.listener.close();
    expect(listening(port)).toHaveLength(0);
  });

  it('refuses a port another listener holds, as if the sockets did not share ports', async () => {
    const h = await startHarness();
    const second = createListener(h.ctx);
    await expect(second.listen('127.0.0.1', Number(new URL(h.url).port))).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    expect((await get(`${h.url}/health`)).status).toBe(200);
  });
});
