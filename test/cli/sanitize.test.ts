import { describe, expect, it } from 'vitest';
import { sanitize } from '../../src/cli/sanitize.js';

describe('sanitize (text from a server, before it reaches a terminal)', () => {
  it.each([
    ['plain text stays', 'WDJB-MJHT', 'WDJB-MJHT'],
    ['CSI colour and cursor moves', '\x1b[31mWDJB\x1b[0m-\x1b[2J\x1b[1;1HMJHT', 'WDJB-MJHT'],
    ['CSI with private parameters', 'a\x1b[?25lb\x1b[?1049hc', 'abc'],
    ['OSC title (BEL)', '\x1b]0;pwned\x07WDJB', 'WDJB'],
    ['OSC 52 clipboard (ST)', 'x\x1b]52;c;ZWNobyBoaQ==\x1b\\y', 'xy'],
    ['OSC 8 hyperlink keeps only its text', '\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\', 'click'],
    ['DCS string', 'a\x1bP1$qm\x1b\\b', 'ab'],
    ['two-character ESC sequences', 'a\x1bcb\x1b(Bc\x1b7d', 'abcd'],
    ['a lone ESC at the end', 'abc\x1b', 'abc'],
    ['8-bit CSI', 'a\x9b31mb', 'ab'],
    ['8-bit OSC with 8-bit ST', 'a\x9d0;title\x9cb', 'ab'],
    ['other C0 controls, DEL and C1', 'a\x00b\x07c\x08d\x7fe\x8df\x80g', 'abcdefg'],
    ['NEL (C1 next line) is a line break: a space', 'a\x85b', 'a b'],
    ['8-bit DCS swallows its string up to ST', 'a\x90secret\x9cb', 'ab'],
    ['carriage return cannot overwrite the line', 'safe\rEVIL', 'safe EVIL'],
    ['newlines and tabs become one space', 'line1\n\n\tline2', 'line1 line2'],
    ['Unicode line and paragraph separators', 'a\u2028b\u2029c', 'a b c'],
    ['bidi overrides and isolates (Trojan Source)', 'ab\u202ecd\u202c\u2066e\u2069\u200ff\u061c', 'abcdef'],
    ['zero-width characters and BOM', 'W\u200bD\u200dJ\u2060B\ufeff', 'WDJB'],
    ['non-Latin text stays', 'Küche – Lautsprecher 🎵', 'Küche – Lautsprecher 🎵'],
  ])('%s', (_name, input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it('C1 controls go, printable Latin-1 stays', () => {
    expect(sanitize('caf\u00e9\u0081\u00a0\u00ff')).toBe('caf\u00e9\u00a0\u00ff');
  });

  it('null and undefined are empty; numbers are stringified', () => {
    expect(sanitize(null)).toBe('');
    expect(sanitize(undefined)).toBe('');
    expect(sanitize(600)).toBe('600');
  });

  it('cuts long values with an ellipsis, counting characters not UTF-16 units', () => {
    expect(sanitize('x'.repeat(600))).toBe(`${'x'.repeat(511)}…`);
    expect(sanitize('🎵'.repeat(10), 5)).toBe('🎵🎵🎵🎵…');
    expect(sanitize('abcde', 5)).toBe('abcde');
  });

  it('nothing that can start a control sequence survives any input', () => {
    const nasty = Array.from({ length: 0x100 }, (_, i) => String.fromCharCode(i)).join('');
    const out = sanitize(`${nasty}\u202e${nasty}`, 10_000);
    expect(out).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });
});
