import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { randomToken } from '../../src/crypto/random-token.js';
import { applyTextRules, createLogger, redactText } from '../../src/server/log.js';

function capture() {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => void lines.push(l), now: () => 0 });
  return { log, text: () => lines.join(''), records: () => lines.map((l) => JSON.parse(l)) };
}

describe('log redaction', () => {
  it('keeps tokens, pairing codes, Basic credentials and client secrets out of the output', () => {
    const { log, text } = capture();
    const rt = randomToken('refreshToken');
    const basic = `Basic ${Buffer.from('amazon-alexa:hunter2-secret').toString('base64')}`;
    log.info(`refresh with ${rt} failed for pairing WDJB-MJHT`, {
      header: basic,
      body: 'grant_type=refresh_token&client_secret=s3cr3t-value&refresh_token=abc',
      client_secret: 'another-s3cr3t',
      nested: {
        deep: { access_token: 'opaque-access', note: `code wdjbmjht and ${randomToken('accessToken')}` },
      },
    });
    const out = text();
    expect(out).not.toContain(rt);
    expect(out).not.toContain(rt.slice(7, 30));
    expect(out).not.toMatch(/WDJB-?MJHT/i);
    expect(out).not.toContain(basic.slice(6));
    expect(out).not.toContain('s3cr3t');
    expect(out).not.toContain('opaque-access');
    expect(out).not.toContain('maa_at_');
    expect(out).toContain('grant_type=refresh_token'); // the rest survives
  });

  it('redacts the query of authorize URLs (state!) and sensitive parameters anywhere', () => {
    expect(redactText('GET /alexa/authorize?client_id=a&state=xyz&redirect_uri=https://x')).toBe(
      'GET /alexa/authorize?[redacted]',
    );
    expect(redactText('/link?user_code=WDJB-MJHT')).toBe('/link?user_code=[redacted]');
    expect(redactText('code=abc&code_verifier=def&device_code=ghi&password=pw')).toBe(
      'code=[redacted]&code_verifier=[redacted]&device_code=[redacted]&password=[redacted]',
    );
    expect(redactText('{"client_secret":"x","state":"y"}')).toBe(
      '{"client_secret":"[redacted]","state":"[redacted]"}',
    );
    expect(redactText('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [redacted]');
  });

  it('redacts sensitive fields by name at any depth', () => {
    const { log, records } = capture();
    log.warn('x', { code: 'maybe', state: 'xyz', user: { password: 'p', name: 'ok' }, cookie: 'a=b' });
    expect(records()[0]).toMatchObject({
      code: '[redacted]',
      state: '[redacted]',
      user: { password: '[redacted]', name: 'ok' },
      cookie: '[redacted]',
    });
  });

  it('logs errors with their message, stack and code, redacted', () => {
    const { log, records } = capture();
    const err = Object.assign(new Error(`bad token ${randomToken('deviceCode')}`), { code: 'EBAD' });
    log.error('failed', { err });
    const rec = records()[0];
    expect(rec.err.message).toBe('bad token [redacted-token]');
    expect(rec.err.errorCode).toBe('EBAD');
    expect(rec.err.stack).toContain('log.test.ts');
  });

  it('passes a string over only when no rule could match it (the shortcut never hides a secret)', () => {
    // Random strings built from the pieces the rules look for, and from their near misses.
    const pieces = [
      'maa_',
      'rt_',
      'at_',
      'x'.repeat(22),
      'Basic ',
      'bearer ',
      'BeArEr\t',
      '/alexa/authorize',
      '/oauth/authorize',
      '?',
      '=',
      'code',
      'state',
      'user_code',
      '"',
      ':',
      ' ',
      'WDJB',
      'MJHT',
      '-',
      'wdjb',
      'bcdf',
      'aeio',
      'T10',
      '127.0.0.1',
      '/alexa/token',
      'Z',
      '&',
      '{',
      '}',
    ];
    let seed = 1;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed >>> 12; // the low bits of this generator repeat quickly
    };
    let redacted = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const n = 1 + (next() % 8);
      for (let j = 0; j < n; j++) text += pieces[next() % pieces.length];
      const full = applyTextRules(text);
      expect(redactText(text)).toBe(full);
      if (full !== text) redacted++;
    }
    expect(redacted).toBeGreaterThan(1_000); // the corpus does exercise the rules
  });

  it('does not redact ordinary text', () => {
    expect(redactText('listening on 127.0.0.1:8787 for https://ma.example.com/alexa/token')).toBe(
      'listening on 127.0.0.1:8787 for https://ma.example.com/alexa/token',
    );
  });

  it('writes one JSON object per line, honouring the level', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => void lines.push(l), level: 'warn', now: () => 0 });
    log.info('hidden');
    log.child({ component: 'listener' }).warn('shown', { n: 1 });
    expect(lines).toEqual([
      '{"time":"1970-01-01T00:00:00.000Z","level":"warn","msg":"shown","component":"listener","n":1}\n',
    ]);
  });
});

describe('stdout logging', () => {
  // The default writer batches lines per turn of the event loop (log.ts); a
  // listener that exits — cleanly, by process.exit or by an uncaught
  // exception — must still have written every line, in order.
  const run = (tail: string) =>
    spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createLogger } from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist/server/log.js')).href)};
         const log = createLogger();
         for (let i = 0; i < 2000; i++) log.info('line', { i });
         ${tail}`,
      ],
      { encoding: 'utf8' },
    );
  const indexes = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).i as number);

  it.each([
    ['the event loop ends', ''],
    ['process.exit() in the same turn', 'process.exit(0);'],
    ['an uncaught exception in the same turn', "throw new Error('boom');"],
  ])('writes every line in order when %s', (_, tail) => {
    const r = run(tail);
    expect(indexes(r.stdout)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });
});
