/**
 * Child-process tests run the compiled CLI (as an installed package would), so
 * build once before the suite. tsc 7 takes about a second.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch {
    // tsc still writes dist/ on type errors; `npm test` fails on them in its typecheck step.
    console.warn('global-setup: the build reported type errors (dist/ was still written)');
  }
}
