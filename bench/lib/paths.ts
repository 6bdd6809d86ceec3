/** Where the bench lives and writes. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH_DIR, '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
/** Git-ignored scratch space (build snapshots, smoke results). */
export const SCRATCH_DIR = join(RESULTS_DIR, 'tmp');
export const DOCS_DIR = join(ROOT, 'docs');
export const RESOLVE_HOOK = join(BENCH_DIR, 'support', 'resolve.mjs');
export const RSS_PRELOAD = join(BENCH_DIR, 'support', 'rss-at-exit.mjs');

/** A bench TypeScript file, by its path under bench/. */
export const benchFile = (...parts: string[]) => join(BENCH_DIR, ...parts);
