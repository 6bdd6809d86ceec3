/**
 * Preloaded (`node --import`) into a short-lived CLI command: on exit, writes
 * the process's peak resident set size (getrusage ru_maxrss, KiB) to the file
 * named by MA_AUTH_BENCH_RSS_FILE. A command that ends before anyone could
 * read /proc/<pid>/status still reports its peak this way.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.MA_AUTH_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      writeFileSync(file, String(process.resourceUsage().maxRSS));
    } catch {
      // Best effort: the bench reports "not measured" without it.
    }
  });
}
