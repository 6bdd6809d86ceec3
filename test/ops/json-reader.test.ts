/**
 * The incremental JSON reader (src/ops/migrate/json-reader.ts) accepts exactly
 * what JSON.parse accepts — checked on hand-picked edge cases and on mutated
 * random documents, read in chunks of every awkward size — and its errors name
 * a position, never the text.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JsonReader, JsonSyntaxError, type ReadAt } from '../../src/ops/migrate/json-reader.js';

/** A reader over `bytes` that hands them out `chunk` bytes at a time. */
function reader(bytes: Buffer, chunk: number): JsonReader {
  const read: ReadAt = (buffer, offset, length, position) =>
    bytes.copy(buffer, offset, position, Math.min(bytes.length, position + Math.min(length, chunk)));
  return new JsonReader(read, Math.max(chunk, 4));
}

function readerAccepts(bytes: Buffer, chunk: number): boolean {
  const r = reader(bytes, chunk);
  try {
    r.skipValue();
    r.end();
    return true;
  } catch (err) {
    if (err instanceof JsonSyntaxError) return false;
    throw err;
  }
}

function parseAccepts(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

const CHUNKS = [1, 2, 3, 5, 7, 64, 1 << 20];

function expectSameVerdict(bytes: Buffer) {
  const expected = parseAccepts(bytes);
  for (const chunk of CHUNKS) {
    expect(
      readerAccepts(bytes, chunk),
      `${JSON.stringify(bytes.toString('latin1'))} in chunks of ${chunk}`,
    ).toBe(expected);
  }
}

const CASES = [
  // numbers
  '0',
  '-0',
  '1',
  '-1',
  '10',
  '01',
  '-01',
  '1.5',
  '1.',
  '.5',
  '-',
  '--1',
  '+1',
  '1e5',
  '1E+5',
  '1e-5',
  '1e',
  '1e+',
  '0.0e0',
  '1.5e400',
  '-1.5E-400',
  '123456789012345678901234567890',
  '0x10',
  '1_000',
  '1 2',
  // literals
  'true',
  'false',
  'null',
  'tru',
  'nul',
  'falsey',
  'True',
  'NaN',
  'Infinity',
  '-Infinity',
  'undefined',
  // strings
  '""',
  '"a"',
  '"\\""',
  '"\\\\"',
  '"\\/"',
  '"\\b\\f\\n\\r\\t"',
  '"\\u00e9"',
  '"\\uD83D\\uDE00"',
  '"\\ud800"',
  '"\\u12G4"',
  '"\\u12"',
  '"\\x41"',
  '"\\a"',
  '"\\',
  '"abc',
  '"a\tb"',
  '"a\nb"',
  '"a\u007fb"',
  '"é"',
  '"😀"',
  "'a'",
  // containers
  '{}',
  '[]',
  '{"a":1}',
  '{"a":1,}',
  '[1,]',
  '[,1]',
  '{,}',
  '{"a"}',
  '{"a":}',
  '{"a" 1}',
  '{a:1}',
  '{"a":1 "b":2}',
  '[1 2]',
  '[[[[[]]]]]',
  '[[[[[]]]]',
  '{"a":{"b":{"c":[1,{"d":null}]}}}',
  '{"a":1}}',
  '[1]]',
  '{"a":[}',
  '{"":""}',
  '{"a":1,"a":2}',
  '[{}, [], "", 0, false, null]',
  // whitespace and framing
  '',
  ' ',
  ' {} ',
  '\t\n\r {}\n',
  '\f{}',
  '\v{}',
  '\u00a0{}',
  '\ufeff{}',
  '{} x',
  '{}{}',
  '{}\u0000',
];

describe('JsonReader accepts exactly what JSON.parse accepts', () => {
  it.each(CASES)('%j', (text) => {
    expectSameVerdict(Buffer.from(text, 'utf8'));
  });

  it('bytes that are not UTF-8: fine inside a string (JSON.parse sees U+FFFD), refused outside', () => {
    expectSameVerdict(Buffer.from([0x22, 0xff, 0xfe, 0x22]));
    expectSameVerdict(Buffer.from([0x22, 0xe2, 0x22]));
    expectSameVerdict(Buffer.from([0x5b, 0xff, 0x5d]));
    expectSameVerdict(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xc3, 0x7d]));
  });

  it('mutated random documents', () => {
    const rand = prng(20251102);
    let accepted = 0;
    for (let n = 0; n < 1500; n++) {
      const text = JSON.stringify(randomValue(rand, 0), null, rand() < 0.3 ? 1 : undefined);
      const bytes = mutate(Buffer.from(text, 'utf8'), rand);
      const expected = parseAccepts(bytes);
      const chunk = CHUNKS[Math.floor(rand() * CHUNKS.length)] as number;
      expect(readerAccepts(bytes, chunk), bytes.toString('latin1')).toBe(expected);
      if (expected) accepted++;
    }
    // Both verdicts were exercised.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(1400);
  });
});

describe('JsonReader walking a document', () => {
  const doc = {
    'first key': { nested: [1, 2, { x: 'y' }] },
    'esc\u00e9aped "key"\n': 'v',
    tokens: { alice: { access_token: 'a'.repeat(40), expires_at: 1762088400.582913 }, bob: null, '': [] },
  };
  const bytes = Buffer.from(JSON.stringify(doc, null, 2));

  it('keys, values as text, and the digest of the whole file, whatever the chunk size', () => {
    for (const chunk of CHUNKS) {
      const r = reader(bytes, chunk);
      expect(r.openObject()).toBe(true);
      const keys: string[] = [];
      const values: Record<string, unknown> = {};
      for (let key = r.nextKey(100); key !== null; key = r.nextKey(100)) {
        keys.push(key);
        if (key === 'tokens') {
          expect(r.peekKind()).toBe('object');
          expect(r.openObject()).toBe(true);
          for (let user = r.nextKey(100); user !== null; user = r.nextKey(100)) {
            values[user] = JSON.parse(r.valueText(1000) as string);
          }
        } else r.skipValue();
      }
      r.end();
      expect(keys).toEqual(Object.keys(doc));
      expect(values).toEqual(doc.tokens);
      expect(r.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('a value longer than the limit is read past, not kept', () => {
    const r = reader(Buffer.from(`[{"big": "${'x'.repeat(5000)}"}, {"small": 1}]`), 64);
    expect(r.peekKind()).toBe('list');
    r.skipValue();
    r.end();
    const r2 = JsonReader.of(Buffer.from(`{"a": {"big": "${'x'.repeat(5000)}"}, "b": {"small": 1}}`));
    r2.openObject();
    expect(r2.nextKey(10)).toBe('a');
    expect(r2.valueText(100)).toBeNull();
    expect(r2.nextKey(10)).toBe('b');
    expect(r2.valueText(100)).toBe('{"small": 1}');
    expect(r2.nextKey(10)).toBeNull();
    r2.end();
  });

  it('describes the next value', () => {
    const kinds = ['{}', '[]', '"x"', '""', '-1', 'true', 'false', 'null'].map((t) =>
      JsonReader.of(Buffer.from(` ${t}`)).peekKind(),
    );
    expect(kinds).toEqual([
      'object',
      'list',
      'string',
      'empty string',
      'number',
      'boolean',
      'boolean',
      'null',
    ]);
  });
});

describe('JsonReader errors', () => {
  function errorOf(text: string): JsonSyntaxError {
    const r = JsonReader.of(Buffer.from(text));
    try {
      r.skipValue();
      r.end();
    } catch (err) {
      if (err instanceof JsonSyntaxError) return err;
      throw err;
    }
    throw new Error('accepted');
  }

  it('name the line and column, never the text around them', () => {
    const secret = 'NwWrMwAXYRDfWXGp6SzrKcJijAiV9lD6Qod5qJqm3Y4';
    const err = errorOf(`{\n  "tokens": {\n    "u": {"refresh_token": "${secret}", "x": Qwerty}\n  }\n}`);
    expect(err.message).toMatch(/at line 3, column \d+ \(byte \d+\)$/);
    expect(err.line).toBe(3);
    expect(err.column).toBe(`    "u": {"refresh_token": "${secret}", "x": `.length + 1);
    expect(err.message).not.toContain(secret.slice(0, 8));
    expect(err.message).not.toContain('Qwe');
    // A string cut off by a stray quote: the token after it is not quoted either.
    const cut = errorOf(`{"refresh_token": "${secret.slice(0, 10)}"${secret.slice(10)}"}`);
    expect(cut.message).not.toContain(secret.slice(10, 18));
  });

  it('say what Python does wrong', () => {
    expect(errorOf('{"a": NaN}').message).toMatch(/^NaN or Infinity/);
    expect(errorOf('[-Infinity]').message).toMatch(/^NaN or Infinity/);
    expect(errorOf('\ufeff{}').message).toMatch(/byte-order mark/);
    expect(errorOf('{"a": 1').message).toMatch(/^the file ends too early/);
    expect(errorOf('"abc').message).toMatch(/^the file ends inside a string/);
  });

  it('refuse a key longer than the limit', () => {
    const r = JsonReader.of(Buffer.from(`{"${'k'.repeat(5000)}": 1}`));
    r.openObject();
    expect(() => r.nextKey(4096)).toThrow(/^a key longer than 4 KiB at line 1, column 2$/);
  });
});

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 3 || r < 0.35) {
    const p = rand();
    if (p < 0.3) return randomString(rand);
    if (p < 0.6) return (rand() - 0.5) * 10 ** Math.floor(rand() * 12);
    if (p < 0.7) return Math.floor(rand() * 1000);
    if (p < 0.8) return rand() < 0.5;
    return null;
  }
  const n = Math.floor(rand() * 4);
  if (r < 0.65) return Array.from({ length: n }, () => randomValue(rand, depth + 1));
  return Object.fromEntries(
    Array.from({ length: n }, () => [randomString(rand), randomValue(rand, depth + 1)]),
  );
}

function randomString(rand: () => number): string {
  const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u0001', 'é', '😀', '\u2028', '{', ']'];
  return Array.from(
    { length: Math.floor(rand() * 6) },
    () => alphabet[Math.floor(rand() * alphabet.length)],
  ).join('');
}

/** Zero to three edits: a byte deleted, inserted or replaced, with bytes JSON cares about. */
function mutate(bytes: Buffer, rand: () => number): Buffer {
  const interesting = Buffer.from('{}[]",:\\ \n0-1.eEtfnu\u0000\u00ff');
  let out = bytes;
  const edits = Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * (out.length + 1));
    const byte = interesting[Math.floor(rand() * interesting.length)] as number;
    const kind = rand();
    if (kind < 0.33 && out.length > 0) out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    else if (kind < 0.66) out = Buffer.concat([out.subarray(0, at), Buffer.from([byte]), out.subarray(at)]);
    else if (at < out.length) {
      out = Buffer.from(out);
      out[at] = byte;
    }
  }
  return out;
}
