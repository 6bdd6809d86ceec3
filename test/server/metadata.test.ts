import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/server/routes.js';
import { get, post, startHarness } from './support.js';

describe('RFC 8414 metadata', () => {
  it('describes this listener accurately', async () => {
    const h = await startHarness({ config: { publicUrl: 'https://ma.example.com' } });
    const res = await get(`${h.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.text);
    expect(doc).toEqual({
      issuer: 'https://ma.example.com',
      authorization_endpoint: 'https://ma.example.com/alexa/authorize',
      token_endpoint: 'https://ma.example.com/alexa/token',
      device_authorization_endpoint: 'https://ma.example.com/oauth/device_authorization',
      introspection_endpoint: 'https://ma.example.com/oauth/introspect',
      revocation_endpoint: 'https://ma.example.com/oauth/revoke',
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: [
        'authorization_code',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:device_code',
      ],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['music.read', 'music.control'],
    });
  });

  it('lists only endpoints that are routed and answer', async () => {
    const h = await startHarness();
    const doc = JSON.parse((await get(`${h.url}/.well-known/oauth-authorization-server`)).text);
    const endpoints = Object.entries(doc).filter(([k]) => k.endsWith('_endpoint'));
    expect(endpoints.length).toBe(5);
    for (const [name, url] of endpoints) {
      const path = new URL(String(url)).pathname;
      const route = ROUTES.find((r) => r.path === path);
      expect(route, name).toBeDefined();
      const res =
        route?.method === 'POST' ? await post(`${h.url}${path}`, 'x=1') : await get(`${h.url}${path}?x=1`);
      expect(res.status, name).not.toBe(404);
    }
  });

  it('keeps the issuer and endpoints under a path prefix', async () => {
    const h = await startHarness({ config: { publicUrl: 'https://home.example/ma-auth' } });
    const doc = JSON.parse((await get(`${h.url}/.well-known/oauth-authorization-server`)).text);
    expect(doc.issuer).toBe('https://home.example/ma-auth');
    expect(doc.token_endpoint).toBe('https://home.example/ma-auth/alexa/token');
  });
});

describe('routes table', () => {
  it('lists every path of DESIGN.md → Interfaces → HTTP', () => {
    const have = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    for (const want of [
      'GET /alexa/authorize',
      'POST /alexa/approve',
      'POST /alexa/token',
      'POST /oauth/device_authorization',
      'GET /link',
      'POST /oauth/introspect',
      'POST /oauth/revoke',
      'GET /.well-known/oauth-authorization-server',
      'GET /health',
      'GET /oauth/authorize',
      'POST /oauth/token',
      'GET /static/ma-auth.css',
    ]) {
      expect(have.has(want), want).toBe(true);
    }
  });
});
