import { describe, expect, it } from 'vitest';
import { open, seal, sealedKeyId } from '../../src/crypto/aead.js';
import { CryptoError } from '../../src/crypto/errors.js';
import { generateDataKey } from '../../src/keys/data-key.js';

describe('AES-256-GCM envelope', () => {
  const key = generateDataKey();

  it('round-trips and names its key id', () => {
    const sealed = seal(key, 'owner profile ✓', 'meta.owner_profile');
    expect(sealed.startsWith(`v1.${key.id}.`)).toBe(true);
    expect(sealedKeyId(sealed)).toBe(key.id);
    expect(open(key, sealed, 'meta.owner_profile').toString('utf8')).toBe('owner profile ✓');
  });

  it('uses a fresh nonce every time', () => {
    expect(seal(key, 'same', 'c')).not.toBe(seal(key, 'same', 'c'));
  });

  it('refuses every single flipped byte (nonce, ciphertext, tag, separators)', () => {
    const sealed = seal(key, 'a value worth protecting', 'ctx');
    let refused = 0;
    for (let i = 0; i < sealed.length; i++) {
      const c = sealed.charCodeAt(i);
      const flipped = sealed.slice(0, i) + String.fromCharCode(c === 65 ? 66 : 65) + sealed.slice(i + 1);
      if (flipped === sealed) continue;
      expect(() => open(key, flipped, 'ctx')).toThrow(CryptoError);
      refused++;
    }
    expect(refused).toBe(sealed.length);
  });

  it('refuses a value moved to another field (context is authenticated)', () => {
    const sealed = seal(key, 'x', 'audit.detail');
    expect(() => open(key, sealed, 'meta.owner_profile')).toThrow(/failed authentication/);
  });

  it('names the key mismatch clearly when opened with another key', () => {
    const other = generateDataKey();
    const sealed = seal(key, 'x', 'ctx');
    const err = (() => {
      try {
        open(other, sealed, 'ctx');
      } catch (e) {
        return e as CryptoError;
      }
    })();
    expect(err?.code).toBe('wrong_key');
    expect(err?.message).toContain(key.id);
    expect(err?.message).toContain(other.id);
  });

  it('refuses a relabelled key id even when the key bytes match', () => {
    const sealed = seal(key, 'x', 'ctx');
    const relabelled = { id: 'kffffffffffffffff', bytes: key.bytes };
    const forged = sealed.replace(key.id, relabelled.id);
    expect(() => open(relabelled, forged, 'ctx')).toThrow(/failed authentication/);
  });

  it('refuses truncated and malformed values', () => {
    const sealed = seal(key, 'x', 'ctx');
    expect(() => open(key, sealed.slice(0, -2), 'ctx')).toThrow(CryptoError);
    expect(() => open(key, 'v2.a.b.c.d', 'ctx')).toThrow(/malformed/);
    expect(() => open(key, '', 'ctx')).toThrow(/malformed/);
  });
});
