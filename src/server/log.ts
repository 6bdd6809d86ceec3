/**
 * JSON lines logging, one object per line, with redaction by pattern.
 *
 * Hand-rolled rather than pino: pino redacts by field path, but what must never
 * reach a log here is recognised by its shape wherever it appears — in a
 * message, an error's text, a URL, a header echoed in a field. Every string
 * in a record passes `redactText`, and fields with a sensitive name are
 * replaced whole, at any depth. (DESIGN.md: "Logs never contain a token,
 * secret or pairing code".)
 */
import { TOKEN_PATTERN } from '../crypto/random-token.js';
import { USER_CODE_ALPHABET, USER_CODE_LENGTH } from '../oauth/user-code.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `bindings` to every record. */
  child(bindings: LogFields): Logger;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  /** Receives one complete JSON line (with newline). Default: stdout. */
  readonly write?: (line: string) => void;
  /** Default `info`. */
  readonly level?: LogLevel;
  readonly now?: () => number;
}

export function createLogger(options: LoggerOptions = {}, bindings: LogFields = {}): Logger {
  const write = options.write ?? writeStdout;
  const min = LEVELS[options.level ?? 'info'];
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (LEVELS[level] < min) return;
    write(`${serialise({ time: new Date(now()).toISOString(), level, msg, ...bindings, ...fields })}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (more) => createLogger(options, { ...bindings, ...more }),
  };
}

/**
 * stdout, one write per turn of the event loop rather than one per line: a
 * busy listener logs a line per request, and on Linux each write to a file or
 * pipe is a blocking system call. Lines are kept in order and flushed on the
 * next turn, when 64 KiB are waiting, and when the process exits (also after
 * an uncaught exception); only a SIGKILL can lose the lines of the current turn.
 */
const pendingLines: string[] = [];
let pendingBytes = 0;
let flushScheduled = false;
let exitHooked = false;

function writeStdout(line: string): void {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', flushStdout);
  }
  pendingLines.push(line);
  pendingBytes += line.length;
  if (pendingBytes >= 64 * 1024) flushStdout();
  else if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushStdout);
  }
}

export function flushStdout(): void {
  flushScheduled = false;
  if (pendingLines.length === 0) return;
  const text = pendingLines.join('');
  pendingLines.length = 0;
  pendingBytes = 0;
  process.stdout.write(text);
}

/** A logger that drops everything (tests, embedding). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

/** Field names whose values are secrets or personal, compared without case, `_` or `-`. */
const SENSITIVE_FIELDS = new Set(
  [
    'client_secret',
    'secret',
    'code',
    'refresh_token',
    'access_token',
    'id_token',
    'token',
    'device_code',
    'user_code',
    'code_verifier',
    'password',
    'passphrase',
    'authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'csrf',
    'csrf_token',
    'state',
    'data_key',
  ].map(fieldKey),
);

function fieldKey(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

const REDACTED = '[redacted]';

function serialise(record: Record<string, unknown>): string {
  try {
    return JSON.stringify(record, (key, value: unknown) => {
      if (key !== '' && value != null && SENSITIVE_FIELDS.has(fieldKey(key))) return REDACTED;
      if (value instanceof Error) return errorFields(value);
      if (typeof value === 'string') return redactText(value);
      if (typeof value === 'bigint') return value.toString();
      return value;
    });
  } catch {
    return JSON.stringify({
      time: record.time,
      level: record.level,
      msg: redactText(String(record.msg)),
      logError: 'fields could not be serialised',
    });
  }
}

/** An error as plain fields; its `code` (ENOENT, invalid_grant) is kept as `errorCode`, not redacted as a field named code. */
function errorFields(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message, stack: err.stack };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.errorCode = code;
  if (err.cause !== undefined) out.cause = err.cause;
  return out;
}

/** Sensitive OAuth parameter names as they appear in query strings and form bodies. */
const PARAM_NAMES =
  'client_secret|code|refresh_token|access_token|id_token|token|device_code|user_code|code_verifier|password|state|csrf|csrf_token|pending';

const TEXT_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  // Issued tokens by their prefix (crypto/random-token.ts), then any prefixed fragment left.
  [TOKEN_PATTERN, '[redacted-token]'],
  [/maa_[a-z]{2,4}_[A-Za-z0-9_-]+/g, '[redacted-token]'],
  // Credentials in an Authorization header echoed anywhere.
  [/\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]+/gi, '$1 [redacted]'],
  // The whole query of an authorize URL: `state` is the client's CSRF secret.
  [/(\/(?:alexa|oauth)\/authorize)\?[^\s"'<>]*/gi, '$1?[redacted]'],
  // name=value pairs (query strings, form bodies, log prose).
  [new RegExp(`(^|[^A-Za-z0-9_])(${PARAM_NAMES})=[^&\\s"';,)}]*`, 'gi'), `$1$2=${REDACTED}`],
  // "name": "value" in JSON embedded in a string.
  [new RegExp(`"(${PARAM_NAMES})"\\s*:\\s*"(?:[^"\\\\]|\\\\.)*"`, 'gi'), `"$1":"${REDACTED}"`],
  // Pairing codes: 8 letters of the RFC 8628 §6.1 alphabet, in any case, optionally split by a dash or space.
  [pairingCodePattern(), '[redacted-code]'],
];

/**
 * What every rule above needs to find in a string to match at all: `maa_`,
 * `basic` or `bearer`, `authorize?`, `=`, a quote followed by a colon, or half
 * a pairing code. Most logged strings (a time, a method, a route, an
 * address) have none, and are passed over with one test instead of seven
 * replacements — the access log runs this on every string of every request.
 * Keep in step with TEXT_RULES: log.test.ts runs every rule's examples
 * through both.
 */
const MIGHT_MATCH = new RegExp(
  `maa_|basic|bearer|authorize\\?|=|"\\s*:|[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH / 2}}`,
  'i',
);

export function redactText(text: string): string {
  return MIGHT_MATCH.test(text) ? applyTextRules(text) : text;
}

/** Every rule, no shortcut (exported for the test that keeps MIGHT_MATCH honest). */
export function applyTextRules(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TEXT_RULES) out = out.replace(pattern, replacement);
  return out;
}

function pairingCodePattern(): RegExp {
  const half = `[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH / 2}}`;
  return new RegExp(`(?<![A-Za-z0-9_])${half}[- ]?${half}(?![A-Za-z0-9_])`, 'gi');
}
