/**
 * An incremental JSON reader, for a legacy export too large to `JSON.parse`
 * whole (docs/decisions.md). It walks the outer structure one member at a
 * time and hands back a small value as its text, for `JSON.parse` to build:
 * memory is one chunk of the file plus the value being kept, whatever the
 * file's size.
 *
 * It accepts exactly what `JSON.parse` accepts (test/ops/json-reader.test.ts
 * compares the two), so streaming refuses the same files the whole-file parse
 * did. Errors name a position, never the text there: the file holds live tokens
 * (V8's own SyntaxError quotes the text around the error).
 *
 * The bytes read are hashed as they go: `sha256` is the digest of the whole
 * file once `end()` has returned.
 */
import { createHash, type Hash } from 'node:crypto';

/** Reads up to `length` bytes at `position` into `buffer` at `offset`; 0 at the end (fs.readSync's shape). */
export type ReadAt = (buffer: Buffer, offset: number, length: number, position: number) => number;

export type ValueKind = 'object' | 'list' | 'string' | 'empty string' | 'number' | 'boolean' | 'null';

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    readonly what: string,
    readonly line: number,
    readonly column: number,
    readonly offset: number,
  ) {
    super(`${what} at line ${line}, column ${column} (byte ${offset})`);
  }
}

/** Valid JSON, but past a limit the caller set (a key too long to keep). */
export class JsonLimitError extends Error {
  override readonly name = 'JsonLimitError';
  constructor(
    readonly what: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${what} at line ${line}, column ${column}`);
  }
}

const CHUNK = 1 << 20;
const OBJECT = 1;
const LIST = 2;
// Bytes.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const NEWLINE = 0x0a;
/** `"\/bfnrt` after a backslash; `u` is checked on its own. */
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);
const LITERALS: Record<number, Buffer> = {
  116: Buffer.from('true'),
  102: Buffer.from('false'),
  110: Buffer.from('null'),
};

export class JsonReader {
  private buf: Buffer;
  private pos = 0;
  /** End of the bytes read into buf. */
  private filled = 0;
  /** File offset of buf[0]. */
  private base = 0;
  private eof = false;
  /** Start (in buf) of the value or key being kept, or -1. */
  private keep = -1;
  private keepLimit = 0;
  private keepDropped = false;
  private line = 1;
  /** File offset where the current line starts. */
  private lineStart = 0;
  /** Open containers of skipValue(), reused between calls. */
  private stack = new Uint8Array(64);
  /** Per object opened with openObject(): whether a member was read (so the next needs a comma). */
  private readonly members: boolean[] = [];
  private readonly hash: Hash = createHash('sha256');
  private digest: string | null = null;

  constructor(
    private readonly read: ReadAt,
    chunk = CHUNK,
  ) {
    this.buf = Buffer.allocUnsafe(chunk);
  }

  /** A reader over bytes already in memory. */
  static of(bytes: Buffer): JsonReader {
    return new JsonReader(
      (buffer, offset, length, position) => {
        return bytes.copy(buffer, offset, position, Math.min(bytes.length, position + length));
      },
      Math.max(1, Math.min(bytes.length, CHUNK)),
    );
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** SHA-256 (hex) of every byte of the file; available after end(). */
  get sha256(): string {
    if (this.digest === null) throw new Error('JsonReader: sha256 before end()');
    return this.digest;
  }

  /** What the next value is, without consuming it. */
  peekKind(): ValueKind {
    const c = this.peek();
    switch (c) {
      case OPEN_BRACE:
        return 'object';
      case OPEN_BRACKET:
        return 'list';
      case QUOTE:
        return this.need(2) && this.buf[this.pos + 1] === QUOTE ? 'empty string' : 'string';
      case 0x74:
      case 0x66:
        return 'boolean';
      case 0x6e:
        return 'null';
      default:
        if (c === MINUS || (c >= ZERO && c <= NINE)) return 'number';
        throw this.unexpected(c);
    }
  }

  /** Enters the object that comes next; false (nothing consumed) when the next value is not an object. */
  openObject(): boolean {
    if (this.peek() !== OPEN_BRACE) return false;
    this.pos++;
    this.members.push(false);
    return true;
  }

  /** The next member's key in the innermost object opened with openObject(), its colon consumed; null at its end. */
  nextKey(keyLimit: number): string | null {
    const depth = this.members.length - 1;
    if (depth < 0) throw new Error('JsonReader: nextKey outside an object');
    let c = this.peek();
    if (c === CLOSE_BRACE) {
      this.pos++;
      this.members.pop();
      return null;
    }
    if (this.members[depth]) {
      if (c !== COMMA) throw this.unexpected(c, 'expected "," or "}"');
      this.pos++;
      c = this.peek();
    }
    if (c !== QUOTE) throw this.unexpected(c, 'expected a key in double quotes');
    this.members[depth] = true;
    const key = this.keptString(keyLimit);
    c = this.peek();
    if (c !== COLON) throw this.unexpected(c, 'expected ":"');
    this.pos++;
    return key;
  }

  /** Reads past the next value (of any size), checking it. */
  skipValue(): void {
    let depth = 0;
    for (;;) {
      // A value starts here.
      let c = this.peek();
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.pos++;
        const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
        if (this.peek() === close) {
          this.pos++;
        } else {
          if (depth === this.stack.length) {
            const bigger = new Uint8Array(depth * 2);
            bigger.set(this.stack);
            this.stack = bigger;
          }
          this.stack[depth++] = c === OPEN_BRACE ? OBJECT : LIST;
          if (c === OPEN_BRACE) this.memberKey();
          continue;
        }
      } else if (c === QUOTE) {
        this.string();
      } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
        this.number();
      } else if (c in LITERALS) {
        this.literal(LITERALS[c] as Buffer);
      } else {
        throw this.unexpected(c);
      }
      // After a value: close containers until one continues with a comma.
      for (;;) {
        if (depth === 0) return;
        const inObject = this.stack[depth - 1] === OBJECT;
        c = this.peek();
        if (c === COMMA) {
          this.pos++;
          if (inObject) this.memberKey();
          break;
        }
        if (c !== (inObject ? CLOSE_BRACE : CLOSE_BRACKET)) {
          throw this.unexpected(c, inObject ? 'expected "," or "}"' : 'expected "," or "]"');
        }
        this.pos++;
        depth--;
      }
    }
  }

  /** The next value's text, checked; null (the value read past) when it is longer than `limit` bytes. */
  valueText(limit: number): string | null {
    this.peek();
    this.startKeep(limit);
    this.skipValue();
    return this.endKeep();
  }

  /** After the top-level value: nothing but whitespace to the end of the file. */
  end(): void {
    const c = this.peek();
    if (c !== -1) throw this.unexpected(c, 'unexpected data after the end of the JSON value');
    this.digest = this.hash.digest('hex');
  }

  // ── lexing ──

  /** The byte after any whitespace, not consumed; -1 at the end of the file. */
  private peek(): number {
    for (;;) {
      const buf = this.buf;
      const end = this.filled;
      let p = this.pos;
      while (p < end) {
        const c = buf[p] as number;
        if (c === 0x20 || c === 0x09 || c === 0x0d) p++;
        else if (c === NEWLINE) {
          p++;
          this.line++;
          this.lineStart = this.base + p;
        } else {
          this.pos = p;
          return c;
        }
      }
      this.pos = p;
      if (!this.fill()) return -1;
    }
  }

  /** Whether `n` bytes are buffered from pos on (reading more as needed). */
  private need(n: number): boolean {
    while (this.filled - this.pos < n) if (!this.fill()) return false;
    return true;
  }

  /** Reads more of the file after what is buffered; false at its end. */
  private fill(): boolean {
    if (this.eof) return false;
    if (this.keep >= 0 && this.filled - this.keep > this.keepLimit) {
      // The kept value is too long to keep: read on without it.
      this.keep = -1;
      this.keepDropped = true;
    }
    const from = this.keep >= 0 ? this.keep : this.pos;
    if (from > 0) {
      this.buf.copy(this.buf, 0, from, this.filled);
      this.base += from;
      this.pos -= from;
      this.filled -= from;
      if (this.keep >= 0) this.keep -= from;
    }
    if (this.filled === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.filled);
      this.buf = bigger;
    }
    const n = this.read(this.buf, this.filled, this.buf.length - this.filled, this.base + this.filled);
    if (n === 0) {
      this.eof = true;
      return false;
    }
    this.hash.update(this.buf.subarray(this.filled, this.filled + n));
    this.filled += n;
    return true;
  }

  private startKeep(limit: number): void {
    this.keep = this.pos;
    this.keepLimit = limit;
    this.keepDropped = false;
  }

  private endKeep(): string | null {
    const start = this.keep;
    this.keep = -1;
    if (this.keepDropped || this.pos - start > this.keepLimit) return null;
    return this.buf.toString('utf8', start, this.pos);
  }

  /** A member's key and colon inside skipValue(). */
  private memberKey(): void {
    let c = this.peek();
    if (c !== QUOTE) throw this.unexpected(c, 'expected a key in double quotes');
    this.string();
    c = this.peek();
    if (c !== COLON) throw this.unexpected(c, 'expected ":"');
    this.pos++;
  }

  /** A string (at pos), decoded; refused when longer than `limit` bytes. */
  private keptString(limit: number): string {
    const at = this.offset;
    this.startKeep(limit + 2);
    const escaped = this.string();
    const text = this.endKeep();
    if (text === null) {
      const { line, column } = this.error('', at);
      throw new JsonLimitError(`a key longer than ${limit / 1024} KiB`, line, column);
    }
    return escaped ? (JSON.parse(text) as string) : text.slice(1, -1);
  }

  /** Past a string whose opening quote is at pos; whether it has escapes. */
  private string(): boolean {
    this.pos++;
    let escaped = false;
    for (;;) {
      const buf = this.buf;
      const end = this.filled;
      let p = this.pos;
      while (p < end) {
        const c = buf[p] as number;
        if (c === QUOTE) {
          this.pos = p + 1;
          return escaped;
        }
        if (c === BACKSLASH) break;
        if (c < 0x20) {
          this.pos = p;
          throw this.error('a control character inside a string', this.offset);
        }
        p++;
      }
      this.pos = p;
      if (p < end) {
        this.escape();
        escaped = true;
      } else if (!this.fill()) {
        throw this.error('the file ends inside a string', this.offset);
      }
    }
  }

  /** Past one escape sequence starting at pos (the backslash). */
  private escape(): void {
    const at = this.offset;
    if (!this.need(2)) throw this.error('the file ends inside a string', at);
    const c = this.buf[this.pos + 1] as number;
    if (SIMPLE_ESCAPES.has(c)) {
      this.pos += 2;
      return;
    }
    if (c !== 0x75 || !this.need(6)) throw this.error('an invalid escape in a string', at);
    for (let i = 2; i < 6; i++) {
      const h = this.buf[this.pos + i] as number;
      const hex = (h >= ZERO && h <= NINE) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66);
      if (!hex) throw this.error('an invalid escape in a string', at);
    }
    this.pos += 6;
  }

  /** Past a number (RFC 8259 §6), which starts at pos. */
  private number(): void {
    const at = this.offset;
    if (this.byte() === MINUS) this.pos++;
    const first = this.byte();
    if (first === ZERO) this.pos++;
    else if (first === 0x49) throw this.error('NaN or Infinity, which JSON does not have', at);
    else if (!this.digits()) throw this.error('an invalid number', at);
    if (this.byte() === DOT) {
      this.pos++;
      if (!this.digits()) throw this.error('an invalid number', at);
    }
    const e = this.byte();
    if (e === 0x65 || e === 0x45) {
      this.pos++;
      const sign = this.byte();
      if (sign === 0x2b || sign === MINUS) this.pos++;
      if (!this.digits()) throw this.error('an invalid number', at);
    }
  }

  /** Past one or more digits; false when there is none. */
  private digits(): boolean {
    let any = false;
    for (let c = this.byte(); c >= ZERO && c <= NINE; c = this.byte()) {
      this.pos++;
      any = true;
    }
    return any;
  }

  /** The byte at pos (no whitespace skipped); -1 at the end of the file. */
  private byte(): number {
    if (this.pos === this.filled && !this.fill()) return -1;
    return this.buf[this.pos] as number;
  }

  private literal(word: Buffer): void {
    const at = this.offset;
    if (!this.need(word.length) || word.compare(this.buf, this.pos, this.pos + word.length) !== 0) {
      throw this.error('an invalid literal (JSON has true, false and null; not NaN or Infinity)', at);
    }
    this.pos += word.length;
  }

  private unexpected(c: number, expected?: string): JsonSyntaxError {
    if (c === -1) return this.error('the file ends too early', this.offset);
    if (this.offset === 0 && c === 0xef)
      return this.error('a byte-order mark (save the file without one)', 0);
    const what =
      c === 0x4e || c === 0x49
        ? 'NaN or Infinity, which JSON does not have'
        : (expected ?? 'an unexpected character');
    return this.error(what, this.offset);
  }

  private error(what: string, offset: number): JsonSyntaxError {
    // Only whitespace holds newlines, so lines are counted up to the last one skipped.
    const line = offset >= this.lineStart ? this.line : 1;
    const column = offset >= this.lineStart ? offset - this.lineStart + 1 : offset + 1;
    return new JsonSyntaxError(what, line, column, offset);
  }
}
