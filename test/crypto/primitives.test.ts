import { describe, expect, it } from 'vitest';
import { constantEquals } from '../../src/crypto/constant-equals.js';
import { sha256Hex } from '../../src/crypto/hash.js';
import { hkdf } from '../../src/crypto/hkdf.js';
import {
  issuedToken,
  randomId,
  randomToken,
  TOKEN_PATTERN,
  TOKEN_PREFIXES,
} from '../../src/crypto/random-token.js';
import { tokenHash } from '../../src/crypto/token-hash.js';
import { decodeKey, encodeKey, fingerprint, generateDataKey } from '../../src/keys/data-key.js';
import { cliClientSecret } from '../../src/oauth/builtin-clients.js';

describe('crypto primitives', () => {
  it('sha256Hex matches the RFC 6234 test vector', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hkdf matches RFC 5869 test case 3 (empty salt and info)', () => {
    expect(hkdf(Buffer.alloc(22, 0x0b), '', 42).toString('hex')).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it('constantEquals compares values of any length', () => {
    expect(constantEquals('secret', 'secret')).toBe(true);
    expect(constantEquals('secret', 'secreT')).toBe(false);
    expect(constantEquals('short', 'a much longer value')).toBe(false);
    expect(constantEquals(Buffer.from('x'), 'x')).toBe(true);
  });

  it('tokens carry their prefix and 256 bits, and the redaction pattern finds them', () => {
    for (const kind of Object.keys(TOKEN_PREFIXES) as (keyof typeof TOKEN_PREFIXES)[]) {
      const token = randomToken(kind);
      expect(token.startsWith(TOKEN_PREFIXES[kind])).toBe(true);
      expect(Buffer.from(token.slice(TOKEN_PREFIXES[kind].length), 'base64url')).toHaveLength(32);
      expect(`log line ${token} end`.replace(TOKEN_PATTERN, '[redacted]')).toBe('log line [redacted] end');
    }
    expect(randomToken('refreshToken')).not.toBe(randomToken('refreshToken'));
  });

  it('access and refresh tokens carry their prefix, their issue time and 256 random bits', () => {
    const now = Date.UTC(2026, 10, 21, 12, 0, 0, 123);
    for (const kind of ['accessToken', 'refreshToken'] as const) {
      const token = issuedToken(kind, now);
      expect(token).toMatch(new RegExp(`^${TOKEN_PREFIXES[kind]}[A-Za-z0-9_-]{51}$`));
      const bytes = Buffer.from(token.slice(TOKEN_PREFIXES[kind].length), 'base64url');
      expect(bytes).toHaveLength(38);
      expect(bytes.readUIntBE(0, 6)).toBe(now);
      expect(`log line ${token} end`.replace(TOKEN_PATTERN, '[redacted]')).toBe('log line [redacted] end');
    }
    const many = Array.from({ length: 2000 }, () => issuedToken('refreshToken', now).slice(15));
    expect(new Set(many).size).toBe(many.length);
  });

  it("a token's store key: its issue time, then its SHA-256, so new keys sort after older ones", () => {
    const early = issuedToken('refreshToken', 1_000_000);
    const late = issuedToken('accessToken', 2_000_000);
    for (const [token, time] of [
      [early, 1_000_000],
      [late, 2_000_000],
    ] as const) {
      const key = tokenHash(token);
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      expect(key.slice(0, 12)).toBe(time.toString(16).padStart(12, '0'));
      expect(key.slice(12)).toBe(sha256Hex(token).slice(0, 52));
    }
    expect(tokenHash(early) < tokenHash(late)).toBe(true);
    // Anything else — tokens of the earlier form, legacy tokens, a near miss — keeps its full SHA-256.
    for (const other of [
      randomToken('refreshToken'),
      'legacy-rt-1-yyyyyyyyyyyyyyyyyyyyyyyy',
      `${early}x`,
      early.slice(0, -1),
      early.replace('maa_rt_', 'maa_ac_'),
      early.replace(/.$/, '+'),
    ]) {
      expect(tokenHash(other)).toBe(sha256Hex(other));
    }
  });

  it('ids never start with "-" or "_" (they are command arguments), and do not repeat', () => {
    const ids = Array.from({ length: 20_000 }, randomId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z][A-Za-z0-9_-]{21}$/);
    // Every first letter the cleared top bit leaves (A–Z, a–f) turns up: the rest stays random.
    expect(new Set(ids.map((id) => id[0])).size).toBe(32);
  });

  it('data keys round-trip through their text form and have stable ids', () => {
    const key = generateDataKey();
    const again = decodeKey(`${encodeKey(key)}\n`);
    expect(again.id).toBe(key.id);
    expect(fingerprint(key)).toMatch(/^[0-9a-f]{4}(:[0-9a-f]{4}){3}$/);
    expect(() => decodeKey('too-short')).toThrow(/43 characters/);
    expect(() => decodeKey(Buffer.alloc(32).toString('base64'))).toThrow();
  });

  it('the key id reveals nothing obvious about the key bytes', () => {
    const key = generateDataKey();
    expect(key.id).not.toContain(key.bytes.toString('hex').slice(0, 8));
    expect(sha256Hex(key.bytes).slice(0, 16)).not.toBe(key.id.slice(1));
  });

  it('the CLI client secret is derived from the data key and differs per key', () => {
    const a = generateDataKey();
    expect(cliClientSecret(a)).toBe(cliClientSecret(decodeKey(encodeKey(a))));
    expect(cliClientSecret(a)).not.toBe(cliClientSecret(generateDataKey()));
    expect(cliClientSecret(a).startsWith('maa_cs_')).toBe(true);
  });
});
