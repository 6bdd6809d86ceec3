import { describe, expect, it } from 'vitest';
import { InvalidRequest } from '../../src/oauth/errors.js';
import { parseForm, parseQuery, requireFormContentType } from '../../src/server/http/body.js';

describe('parseForm', () => {
  it('decodes a form', () => {
    expect({ ...parseForm('a=1&b=x+y&c=%2F') }).toEqual({ a: '1', b: 'x y', c: '/' });
  });

  it('treats empty values as omitted (RFC 6749 §3.1)', () => {
    expect({ ...parseForm('a=&b=2') }).toEqual({ b: '2' });
  });

  it('refuses any repeated name, even with an empty value', () => {
    expect(() => parseForm('a=1&a=1')).toThrow(InvalidRequest);
    expect(() => parseForm('a=&a=2')).toThrow(InvalidRequest);
    expect(() => parseQuery('state=x&client_id=y&state=z')).toThrow(/"state" is included more than once/);
  });

  it('keeps prototype-looking names as plain keys', () => {
    const params = parseForm('__proto__=x&constructor=y');
    expect(params['__proto__' as string]).toBe('x');
    expect(Object.getPrototypeOf(params)).toBeNull();
  });
});

describe('requireFormContentType', () => {
  it('accepts the form type with a UTF-8 charset, in any case', () => {
    requireFormContentType('application/x-www-form-urlencoded');
    requireFormContentType('Application/X-WWW-Form-Urlencoded; Charset=UTF-8');
  });

  it('refuses anything else', () => {
    for (const type of [undefined, 'application/json', 'multipart/form-data; boundary=x', 'text/plain']) {
      expect(() => requireFormContentType(type)).toThrow(InvalidRequest);
    }
    expect(() => requireFormContentType('application/x-www-form-urlencoded; charset=iso-8859-1')).toThrow(
      /UTF-8/,
    );
  });
});
