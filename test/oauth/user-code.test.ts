import { describe, expect, it } from 'vitest';
import { generateDataKey } from '../../src/keys/data-key.js';
import {
  formatUserCode,
  generateUserCode,
  normaliseUserCode,
  USER_CODE_ALPHABET,
  userCodeHash,
} from '../../src/oauth/user-code.js';

describe('user codes (RFC 8628 §6.1)', () => {
  it('uses the 20 consonants and 8 characters', () => {
    expect(USER_CODE_ALPHABET).toBe('BCDFGHJKLMNPQRSTVWXZ');
    for (let i = 0; i < 200; i++) expect(generateUserCode()).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
  });

  it('draws every letter of the alphabet and no vowel', () => {
    const seen = new Set(Array.from({ length: 300 }, generateUserCode).join(''));
    expect([...seen].sort().join('')).toBe(USER_CODE_ALPHABET);
  });

  it('is displayed XXXX-XXXX', () => {
    expect(formatUserCode('WDJBMJHT')).toBe('WDJB-MJHT');
  });

  it.each([
    ['WDJB-MJHT', 'WDJBMJHT'],
    ['wdjb-mjht', 'WDJBMJHT'],
    [' wdjb mjht ', 'WDJBMJHT'],
    ['WDJB–MJHT', 'WDJBMJHT'], // en dash from a phone keyboard
    ['WD-JB-MJ-HT', 'WDJBMJHT'],
  ])('normalises %j', (input, expected) => {
    expect(normaliseUserCode(input)).toBe(expected);
  });

  it.each(['', 'WDJB-MJH', 'WDJB-MJHTX', 'WDJB-MAHT', 'WDJB-MJH1', 'WDJB_MJHT'])('rejects %j', (input) => {
    expect(normaliseUserCode(input)).toBeNull();
  });

  it('hashes with the data key, so the store file alone cannot reverse a code', () => {
    const a = generateDataKey();
    const b = generateDataKey();
    expect(userCodeHash(a, 'WDJBMJHT')).toBe(userCodeHash(a, 'WDJBMJHT'));
    expect(userCodeHash(a, 'WDJBMJHT')).not.toBe(userCodeHash(b, 'WDJBMJHT'));
    expect(userCodeHash(a, 'WDJBMJHT')).toMatch(/^[0-9a-f]{64}$/);
  });
});
