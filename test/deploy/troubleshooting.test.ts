/**
 * docs/troubleshooting.md quotes what ma-auth prints. Every quoted message
 * (each line of a ```text block) must still exist in the source, so a
 * reworded message cannot leave the guide describing text nobody sees.
 *
 * A quote may use `<…>` for a part that varies (a path, an id) and `…` for an
 * elided tail; the literal pieces between them (12 characters or more, outer
 * punctuation trimmed) must each appear in src/ or bin/. A leading `error: `,
 * `note: ` or `fix: ` is the CLI's prefix and is not part of the message.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/paths.js';

const MIN_FRAGMENT = 12;

function sourceText(): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|js)$/.test(name)) files.push(path);
    }
  };
  walk(join(ROOT, 'src'));
  walk(join(ROOT, 'bin'));
  return normalise(
    files
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n')
      // Adjacent string literals joined with `+` across lines read as one string.
      .replace(/(['"`])\s*\+\s*\n\s*(['"`])/g, '')
      .replace(/\\'/g, "'"),
  );
}

const normalise = (text: string) => text.replace(/\s+/g, ' ');

function quotedLines(markdown: string): string[] {
  const lines: string[] = [];
  for (const block of markdown.matchAll(/```text\n([\s\S]*?)```/g)) {
    for (const line of (block[1] as string).split('\n')) if (line.trim()) lines.push(line.trim());
  }
  return lines;
}

function fragments(line: string): string[] {
  return line
    .replace(/^(error|note|fix): /, '')
    .split(/<[^>]*>|…/)
    .map((f) => f.replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, ''))
    .filter((f) => f.length >= MIN_FRAGMENT)
    .map(normalise);
}

describe('docs/troubleshooting.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'troubleshooting.md'), 'utf8');
  const source = sourceText();
  const lines = quotedLines(doc);

  it('quotes the program’s messages (and has plenty to check)', () => {
    expect(lines.filter((l) => fragments(l).length > 0).length).toBeGreaterThan(30);
  });

  // A line with no long literal piece (e.g. "  - <where>: not set") is layout, not checked.
  it.each(lines)('%s', (line) => {
    for (const piece of fragments(line)) expect(source, `"${piece}" is not in src/ or bin/`).toContain(piece);
  });

  it('the checker catches a reworded message', () => {
    expect(source).not.toContain('the address is occupied by another listener');
    expect(
      fragments('error: cannot listen on <address>: the address is in use. Is a listener already running?'),
    ).toEqual(['cannot listen on', 'the address is in use. Is a listener already running']);
  });
});
