import { describe, expect, it } from 'vitest';
import { InvalidClient, RateLimited } from '../../src/oauth/errors.js';
import { RateLimiter } from '../../src/server/http/rate-limit.js';
import { FakeClock, post, startHarness } from './support.js';

describe('RateLimiter', () => {
  it('allows the burst, then refuses with Retry-After, then recovers', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({
      now: clock.now,
      rules: { 'token:address': { limit: 3, windowSeconds: 60 } },
    });
    for (let i = 0; i < 3; i++) limiter.take('token:address', '192.0.2.1');
    let err: unknown;
    try {
      limiter.take('token:address', '192.0.2.1');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RateLimited);
    expect((err as RateLimited).headers['Retry-After']).toBe('20');
    // Other subjects and rules are unaffected.
    limiter.take('token:address', '192.0.2.2');
    limiter.take('authorize:address', '192.0.2.1');
    clock.advance(20);
    limiter.take('token:address', '192.0.2.1');
    expect(() => limiter.take('token:address', '192.0.2.1')).toThrow(RateLimited);
  });

  it('check() does not spend; charge() spends without throwing', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({
      now: clock.now,
      rules: { 'token:client': { limit: 1, windowSeconds: 60 } },
    });
    limiter.check('token:client', 'alexa');
    limiter.check('token:client', 'alexa');
    limiter.charge('token:client', 'alexa');
    limiter.charge('token:client', 'alexa');
    expect(() => limiter.check('token:client', 'alexa')).toThrow(RateLimited);
  });

  it('keys IPv6 addresses by /64', () => {
    const limiter = new RateLimiter({ rules: { 'link:address': { limit: 1, windowSeconds: 60 } } });
    limiter.take('link:address', '2001:db8:1:2::1');
    expect(() => limiter.take('link:address', '2001:db8:1:2:ffff::9')).toThrow(RateLimited);
    limiter.take('link:address', '2001:db8:1:3::1');
  });

  it('keeps memory bounded', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ now: clock.now, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) limiter.take('token:address', `10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });

  it('sweeps idle buckets before evicting busy ones', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({
      now: clock.now,
      maxKeys: 10,
      rules: { 'token:address': { limit: 2, windowSeconds: 60 } },
    });
    limiter.take('token:address', 'busy');
    limiter.take('token:address', 'busy');
    for (let i = 0; i < 8; i++) limiter.take('token:address', `idle-${i}`);
    clock.advance(30); // idle buckets refilled; "busy" has 1 of 2 tokens
    limiter.take('token:address', 'new');
    limiter.take('token:address', 'busy');
    expect(() => limiter.take('token:address', 'busy')).toThrow(RateLimited);
  });
});

describe('rate limits over HTTP', () => {
  it('answers 429 with Retry-After after the limit and recovers after the window', async () => {
    const h = await startHarness({
      rateLimits: { 'token:address': { limit: 2, windowSeconds: 10 } },
      protocol: { token: async () => ({ ok: true }) },
    });
    expect((await post(`${h.url}/alexa/token`, 'grant_type=x')).status).toBe(200);
    expect((await post(`${h.url}/alexa/token`, 'grant_type=x')).status).toBe(200);
    const limited = await post(`${h.url}/alexa/token`, 'grant_type=x');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('5');
    expect(JSON.parse(limited.text).error).toBe('temporarily_unavailable');
    h.clock.advance(5);
    expect((await post(`${h.url}/alexa/token`, 'grant_type=x')).status).toBe(200);
  });

  it('limits an authenticated client only after it authenticated', async () => {
    const h = await startHarness({
      rateLimits: { 'token:client': { limit: 1, windowSeconds: 60 } },
      protocol: {
        token: async ({ body }) => {
          if (body.client_secret !== 'right') throw new InvalidClient('client authentication failed', false);
          return {};
        },
      },
    });
    // Someone without the secret claiming Alexa's id spends nothing of Alexa's budget.
    await post(`${h.url}/alexa/token`, 'client_id=amazon-alexa&client_secret=wrong');
    await post(`${h.url}/alexa/token`, 'client_id=amazon-alexa&client_secret=wrong');
    expect((await post(`${h.url}/alexa/token`, 'client_id=amazon-alexa&client_secret=right')).status).toBe(
      200,
    );
    expect((await post(`${h.url}/alexa/token`, 'client_id=amazon-alexa&client_secret=right')).status).toBe(
      429,
    );
  });
});
