/**
 * The legacy dump, read twice from one open file and never held whole: a
 * 100,000-token export is 22 MB of JSON, several times that as parsed objects.
 *
 * 1. `outlineDump` checks the whole file before anything is written — JSON
 *    syntax, the shape, the counts — in constant memory.
 * 2. `dumpEntries`, inside the import's transaction, hands the token entries
 *    over one at a time, each parsed on its own. It ends by comparing the
 *    file's digest with the first pass's: a file changed in between fails the
 *    import, which then keeps nothing.
 *
 * Entries come in file order, and a user id that appears twice is two entries
 * (JSON.parse kept the last; the export script cannot write one twice).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { JsonReader, type ValueKind } from './json-reader.js';
import { type Issue, LegacyFormatError } from './legacy-format.js';

/** A token entry is five short fields; a bigger value is reported as malformed, not built. */
export const MAX_ENTRY_BYTES = 64 * 1024;
/** Keys: user ids and top-level names. */
const MAX_KEY_BYTES = 64 * 1024;
const SHORT_LIVED = new Set(['auth_codes', 'pending_auth_codes']);
/** The top-level keys whose value is read: twice is ambiguous (JSON.parse kept the last). */
const READ_KEYS = new Set(['tokens', ...SHORT_LIVED]);

export interface DumpOutline {
  readonly sha256: string;
  readonly bytes: number;
  /** Entries in the tokens map, well-formed or not. */
  readonly tokenEntries: number;
  /** Short-lived maps: counted, never imported (a code lives minutes; the export is older than that). */
  readonly authCodes: number;
  readonly pendingAuthCodes: number;
  /** Top-level keys this version does not read (e.g. an `exported_at` the snippet adds). */
  readonly ignoredKeys: readonly string[];
  /** A short-lived map that is not an object (ignored, reported). */
  readonly malformed: readonly Issue[];
}

/** One entry of the tokens map: its key and its value, or `TOO_LARGE` when it was not built. */
export interface RawTokenEntry {
  readonly userId: string;
  readonly value: unknown;
}
export const TOO_LARGE: unique symbol = Symbol('too large');

export class DumpFile {
  private constructor(
    readonly file: string,
    private readonly fd: number,
    readonly bytes: number,
  ) {}

  /** Throws the fs error (ENOENT, EISDIR, …) for the caller to word. */
  static open(file: string): DumpFile {
    const fd = openSync(file, 'r');
    try {
      const stat = fstatSync(fd);
      if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      // Read twice, from the start each time: a pipe (`--from <(…)`) cannot be.
      if (!stat.isFile()) throw new Error('not a regular file: save the export to a file first');
      return new DumpFile(file, fd, stat.size);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  reader(onBytes?: (done: number, total: number) => void): JsonReader {
    let done = 0;
    return new JsonReader((buffer, offset, length, position) => {
      const n = readSync(this.fd, buffer, offset, length, position);
      done += n;
      onBytes?.(done, Math.max(done, this.bytes));
      return n;
    });
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The first pass: the whole file checked and counted, nothing kept but counts and top-level names. */
export function outlineDump(dump: DumpFile, onBytes?: (done: number, total: number) => void): DumpOutline {
  const r = dump.reader(onBytes);
  const file = dump.file;
  if (!r.openObject()) {
    const kind = r.peekKind();
    r.skipValue();
    r.end();
    throw new LegacyFormatError(
      `${file}: expected a JSON object like {"tokens": {…}}, got ${describe(kind)}`,
    );
  }
  let tokenEntries: number | null = null;
  let tokensKind: ValueKind | null = null;
  let looksBare = false;
  let twice: string | null = null;
  const shortLived = new Map<string, number>();
  const malformed: Issue[] = [];
  const ignoredKeys: string[] = [];
  const seen = new Set<string>();
  const countMembers = (): number => {
    let n = 0;
    for (let key = r.nextKey(MAX_KEY_BYTES); key !== null; key = r.nextKey(MAX_KEY_BYTES)) {
      if (key === 'refresh_token') looksBare = true;
      r.skipValue();
      n++;
    }
    return n;
  };
  for (let key = r.nextKey(MAX_KEY_BYTES); key !== null; key = r.nextKey(MAX_KEY_BYTES)) {
    if (READ_KEYS.has(key)) {
      if (seen.has(key)) twice ??= key;
      seen.add(key);
    }
    const kind = r.peekKind();
    if (key === 'tokens') {
      tokensKind = kind;
      if (r.openObject()) {
        tokenEntries = 0;
        for (let user = r.nextKey(MAX_KEY_BYTES); user !== null; user = r.nextKey(MAX_KEY_BYTES)) {
          r.skipValue();
          tokenEntries++;
        }
      } else r.skipValue();
    } else if (SHORT_LIVED.has(key)) {
      if (r.openObject()) shortLived.set(key, countMembers());
      else {
        if (kind !== 'null')
          malformed.push({ key, reason: `expected an object, got ${describe(kind)}; ignored` });
        r.skipValue();
      }
    } else {
      ignoredKeys.push(key);
      if (r.openObject()) countMembers();
      else r.skipValue();
    }
  }
  r.end();

  if (twice !== null) {
    throw new LegacyFormatError(`${file}: the key ${JSON.stringify(twice)} appears twice at the top level`);
  }
  if (tokensKind === null) {
    throw new LegacyFormatError(
      `${file}: no "tokens" map` +
        (looksBare ? ' (this looks like the tokens map itself: wrap it as {"tokens": …})' : '') +
        '; see docs/migration.md for the export',
    );
  }
  if (tokenEntries === null) {
    throw new LegacyFormatError(
      `${file}: "tokens" must be an object keyed by user id, got ${describe(tokensKind)}`,
    );
  }
  return {
    sha256: r.sha256,
    bytes: dump.bytes,
    tokenEntries,
    authCodes: shortLived.get('auth_codes') ?? 0,
    pendingAuthCodes: shortLived.get('pending_auth_codes') ?? 0,
    ignoredKeys: [...new Set(ignoredKeys)],
    malformed,
  };
}

/**
 * The second pass: the token entries in file order, each parsed on its own.
 * Throws at the end if the file is not the one `outline` describes.
 */
export function* dumpEntries(dump: DumpFile, outline: DumpOutline): Generator<RawTokenEntry> {
  const r = dump.reader();
  if (r.openObject()) {
    for (let key = r.nextKey(MAX_KEY_BYTES); key !== null; key = r.nextKey(MAX_KEY_BYTES)) {
      if (key !== 'tokens' || !r.openObject()) {
        r.skipValue();
        continue;
      }
      for (let userId = r.nextKey(MAX_KEY_BYTES); userId !== null; userId = r.nextKey(MAX_KEY_BYTES)) {
        const at = r.offset;
        const text = r.valueText(MAX_ENTRY_BYTES);
        yield { userId, value: text === null ? TOO_LARGE : build(text, dump.file, at) };
      }
    }
  } else r.skipValue();
  r.end();
  if (r.sha256 !== outline.sha256) {
    throw new LegacyFormatError(`${dump.file} changed while it was being read; run ma-auth migrate again`);
  }
}

/** The reader has checked the text: JSON.parse only builds it. Its own errors would quote the text. */
function build(text: string, file: string, at: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new LegacyFormatError(`${file}: a token entry near byte ${at} could not be read as JSON`);
  }
}

function describe(kind: ValueKind): string {
  if (kind === 'null') return 'null';
  if (kind === 'object' || kind === 'empty string') return `an ${kind}`;
  return `a ${kind}`;
}
