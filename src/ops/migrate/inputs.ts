/**
 * The legacy files as the owner gives them: opened and read, and every
 * problem with them worded for the owner (exit 2, nothing written). No
 * message quotes the files: they hold live tokens and a client secret.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { JsonLimitError, JsonReader, JsonSyntaxError } from './json-reader.js';
import { type LegacyClients, LegacyFormatError, parseLegacyClients } from './legacy-format.js';
import { DumpFile } from './read-dump.js';

export class MigrateInputError extends Error {
  override readonly name = 'MigrateInputError';
}

export function openDump(file: string): DumpFile {
  try {
    return DumpFile.open(file);
  } catch (err) {
    throw unreadable('the legacy dump', file, err);
  }
}

export async function loadClients(file: string): Promise<{ parsed: LegacyClients; sha256: string }> {
  const what = 'the legacy clients file';
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw unreadable(what, file, err);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return asInputError(what, file, () => {
    // Checked by the reader first: JSON.parse's own errors quote the text, and this file holds a secret.
    const reader = JsonReader.of(bytes);
    reader.skipValue();
    reader.end();
    return { parsed: parseLegacyClients(JSON.parse(bytes.toString('utf8')), file), sha256 };
  });
}

function unreadable(what: string, file: string, err: unknown): MigrateInputError {
  const code = (err as NodeJS.ErrnoException).code;
  return new MigrateInputError(`cannot read ${what} ${file} (${code ?? (err as Error).message})`);
}

/** Syntax and shape errors worded for the owner: exit 2, nothing written. */
export function asInputError<T>(what: string, file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw inputError(what, file, err);
  }
}

export function* asInputErrors<T>(what: string, file: string, items: Iterable<T>): Generator<T> {
  try {
    yield* items;
  } catch (err) {
    throw inputError(what, file, err);
  }
}

function inputError(what: string, file: string, err: unknown): unknown {
  if (err instanceof LegacyFormatError) return new MigrateInputError(err.message);
  if (err instanceof JsonLimitError)
    return new MigrateInputError(`${file}: ${err.message}; not a legacy export`);
  if (err instanceof JsonSyntaxError) {
    return new MigrateInputError(
      `${what} ${file} is not valid JSON (${err.message}). ` +
        'Python writes NaN/Infinity unless json.dump(..., allow_nan=False); see docs/migration.md',
    );
  }
  const code = (err as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && code.startsWith('E')) return unreadable(what, file, err);
  return err;
}
