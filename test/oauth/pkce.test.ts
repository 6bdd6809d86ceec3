import { describe, expect, it } from 'vitest';
import { codeChallengeProblem, s256, verifyCodeVerifier } from '../../src/oauth/pkce.js';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('PKCE (RFC 7636)', () => {
  it('computes S256 as in RFC 7636 Appendix B', () => {
    expect(s256(VERIFIER)).toBe(CHALLENGE);
  });

  it('verifies the right verifier and refuses a wrong one', () => {
    expect(verifyCodeVerifier(CHALLENGE, VERIFIER)).toBe(true);
    expect(verifyCodeVerifier(CHALLENGE, `${VERIFIER.slice(0, -1)}Y`)).toBe(false);
  });

  it('refuses verifiers outside 43-128 unreserved characters', () => {
    const short = 'a'.repeat(42);
    expect(verifyCodeVerifier(s256(short), short)).toBe(false);
    const long = 'a'.repeat(129);
    expect(verifyCodeVerifier(s256(long), long)).toBe(false);
    const bad = `${'a'.repeat(42)}!`;
    expect(verifyCodeVerifier(s256(bad), bad)).toBe(false);
    const max = '~._-'.repeat(32);
    expect(verifyCodeVerifier(s256(max), max)).toBe(true);
  });

  it('accepts S256 challenges and nothing else', () => {
    expect(codeChallengeProblem(undefined, undefined)).toBeNull();
    expect(codeChallengeProblem(CHALLENGE, 'S256')).toBeNull();
    expect(codeChallengeProblem(CHALLENGE, 'plain')).toMatch(/plain/);
    expect(codeChallengeProblem(CHALLENGE, undefined)).toMatch(/plain/); // no method means plain
    expect(codeChallengeProblem(CHALLENGE, 'S512')).toMatch(/unsupported/);
    expect(codeChallengeProblem(undefined, 'S256')).toMatch(/without code_challenge/);
    expect(codeChallengeProblem('too-short', 'S256')).toMatch(/base64url/);
  });
});
