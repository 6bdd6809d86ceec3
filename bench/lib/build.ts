/**
 * A private build of src/ for this run: `tsc -p tsconfig.build.json` into the
 * run's scratch folder, with a copy of bin/ and package.json beside it, so
 * the layout matches an installed package (bin/ma-auth.js → ../dist/…, and
 * dist/server/version.ts reads ../../package.json).
 *
 * Why not the repo's dist/: the bench measures whatever src/ says when it
 * starts, and other people rebuild dist/ while it runs. Dependencies resolve
 * from the repo's node_modules, a few folders up.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export interface Build {
  /** Stands where an installed package's root would. */
  readonly root: string;
  readonly dist: string;
  readonly bin: string;
  /** tsc's complaint when src/ did not typecheck (dist is still written). */
  readonly warning: string | null;
}

export function buildSnapshot(runDir: string): Build {
  const root = join(runDir, 'build');
  const dist = join(root, 'dist');
  mkdirSync(join(root, 'bin'), { recursive: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  let warning: string | null = null;
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', dist], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  } catch (err) {
    const out = String((err as { stdout?: Buffer }).stdout ?? '').trim();
    warning = `src/ did not typecheck; measuring what tsc emitted anyway: ${out.split('\n')[0] ?? ''}`;
  }
  if (!existsSync(join(dist, 'cli', 'main.js'))) throw new Error(`the build produced no ${dist}/cli/main.js`);
  copyFileSync(join(ROOT, 'bin', 'ma-auth.js'), join(root, 'bin', 'ma-auth.js'));
  copyFileSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  return { root, dist, bin: join(root, 'bin', 'ma-auth.js'), warning };
}
