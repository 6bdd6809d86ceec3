/**
 * Text a server sent, made safe to print on a terminal (DESIGN.md "Interfaces →
 * CLI"). A listener is trusted code, but a proxy, a compromised host or a
 * test stub can put anything in a `user_code` or an error description, and a
 * terminal obeys what it prints: ESC sequences can move the cursor, rewrite
 * the screen, set the window title or a clipboard (OSC 52), or make a
 * hyperlink (OSC 8) say one thing and open another; bidi overrides can make
 * text read differently from what it is (CVE-2021-42574, "Trojan Source").
 *
 * Removed: whole escape sequences (7-bit ESC and 8-bit C1 introducers), then
 * every remaining C0 and C1 control character and DEL, the bidi embedding,
 * override and isolate marks, zero-width characters and line/paragraph
 * separators. Tabs and newlines become a space: every value is printed on one line.
 */

/** ESC + CSI / OSC / DCS-SOS-PM-APC string / two-character sequences. */
const ESC_SEQUENCE =
  /\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?|\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?|[\x20-\x2f]*[\x30-\x7e]?)/g;

/** The same sequences with 8-bit C1 introducers (CSI U+009B, OSC U+009D, DCS/SOS/PM/APC). */
const C1_SEQUENCE =
  /\x9b[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|[\x90\x98\x9e\x9f][^\x1b\x9c]*(?:\x1b\\|\x9c)?/g;

const WHITESPACE_CONTROLS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;
/** ALM, LRM, RLM, LRE…RLO, LRI…PDI; zero-width space/joiners, word joiner, BOM. */
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;

export const DEFAULT_MAX_LENGTH = 512;

/**
 * `value` as one printable line: controls, escape sequences and bidi marks
 * removed, cut to `maxLength` characters (with `…`). Non-strings are
 * stringified first; null and undefined become ''.
 */
export function sanitize(value: unknown, maxLength = DEFAULT_MAX_LENGTH): string {
  if (value === null || value === undefined) return '';
  const text = String(value)
    .replace(ESC_SEQUENCE, '')
    .replace(C1_SEQUENCE, '')
    .replace(WHITESPACE_CONTROLS, ' ')
    .replace(CONTROLS, '')
    .replace(INVISIBLE, '')
    .trim();
  const chars = [...text];
  return chars.length > maxLength ? `${chars.slice(0, maxLength - 1).join('')}…` : text;
}
