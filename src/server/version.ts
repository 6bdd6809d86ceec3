/**
 * ma-auth's version for /health, read from package.json at run time: the
 * compiled dist/server/ and the source src/server/ sit at the same depth, and
 * tsc's rootDir forbids importing a file outside src/.
 */
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
